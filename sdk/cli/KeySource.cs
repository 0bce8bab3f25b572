using System.Text.Json;
using EdgeImages.Sdk.Signing;

namespace EdgeImages.Cli;

/// <summary>
/// Where the CLI finds keys: a settings file in the edge's own shape (<c>Signing:Keys</c>, <c>Signing:KeyTenants</c>;
/// an edge's appsettings file works as it is) and the <see cref="CliApp.KeysVariable"/> environment variable. Never the
/// command line: arguments end up in shell history and in every process listing on the machine.
/// </summary>
internal static class KeySource
{
    private static readonly JsonDocumentOptions FileOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Every key found, each with its secret and tenants; the environment wins over the file on the same kid.</summary>
    /// <param name="file">The settings file, or null.</param>
    /// <param name="environment">Reads environment variables.</param>
    /// <param name="state">The state given to every key: the CLI signs with one key and verifies with all.</param>
    public static Dictionary<string, SigningKey> Load(FileInfo? file, Func<string, string?> environment, SigningKeyState state)
    {
        var entries = new Dictionary<string, (string Hex, string? Tenants)>(StringComparer.Ordinal);
        if (file is not null)
        {
            ReadFile(file, entries);
        }

        ReadEnvironment(environment(CliApp.KeysVariable), entries);
        var keys = new Dictionary<string, SigningKey>(StringComparer.Ordinal);
        foreach (var (kid, (hex, tenants)) in entries)
        {
            if (!SigningKey.IsValidId(kid))
            {
                throw new UsageException($"key '{kid}': a key id is 1 to 16 characters of [a-z0-9-]");
            }

            if (!HexSecret.TryParse(hex, out var secret, out var hexError))
            {
                throw new UsageException($"key '{kid}': {hexError}");
            }

            if (!KeyTenants.TryParse(tenants, out var binding, out var tenantsError))
            {
                throw new UsageException($"key '{kid}': {tenantsError}");
            }

            try
            {
                keys[kid] = new SigningKey(kid, secret, binding, state);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"key '{kid}': {e.Message[..e.Message.LastIndexOf(" (Parameter", StringComparison.Ordinal)]}");
            }
        }

        return keys;
    }

    /// <summary>
    /// <c>kid:tenants:hex</c> entries separated by <c>;</c>, the tenants comma-separated or <c>*</c>:
    /// <c>k1:acme,globex:0001…;k2:*:a0b1…</c>.
    /// </summary>
    private static void ReadEnvironment(string? text, Dictionary<string, (string, string?)> entries)
    {
        foreach (var entry in (text ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(':');
            if (parts.Length != 3 || parts[0].Length == 0)
            {
                throw new UsageException($"{CliApp.KeysVariable} holds kid:tenants:hex entries separated by ';' (tenants comma-separated, or * for a platform key)");
            }

            entries[parts[0]] = (parts[2], parts[1]);
        }
    }

    private static void ReadFile(FileInfo file, Dictionary<string, (string, string?)> entries)
    {
        JsonDocument document;
        try
        {
            using var stream = file.OpenRead();
            document = JsonDocument.Parse(stream, FileOptions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new UsageException($"--keys-file {file.Name}: cannot be read as JSON settings ({e.GetType().Name})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !TryGet(document.RootElement, "Signing", out var signing)
                || !TryGet(signing, "Keys", out var keys))
            {
                throw new UsageException($"--keys-file {file.Name}: expected {{\"Signing\": {{\"Keys\": {{kid: hex}}, \"KeyTenants\": {{kid: tenants}}}}}}");
            }

            TryGet(signing, "KeyTenants", out var tenants);
            foreach (var key in keys.EnumerateObject())
            {
                var binding = tenants.ValueKind == JsonValueKind.Object && TryGet(tenants, key.Name, out var value)
                    && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                entries[key.Name] = (key.Value.ValueKind == JsonValueKind.String ? key.Value.GetString()! : "", binding);
            }
        }
    }

    // Configuration keys are case-insensitive in ASP.NET Core; the file is the edge's, so they are here too.
    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        return false;
    }
}
