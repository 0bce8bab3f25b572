using EdgeImages.Edge.ControlPlane;
using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Security;

/// <summary>The URL signing keys, from configuration section <c>Signing</c>.</summary>
internal sealed class SigningOptions
{
    public const string SectionName = "Signing";

    /// <summary><c>Signing:Keys:{kid}</c> = the secret in hex. Every listed key verifies.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>Signing:KeyTenants:{kid}</c> = the tenants the key signs for, comma-separated, or <c>*</c> for a platform key.
    /// Required for every key: there is no default, since any default would be either useless or every tenant.
    /// </summary>
    public Dictionary<string, string> KeyTenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>Signing:ActiveKey</c>: the kid that signs (the demo page and the SDK use it).</summary>
    public string? ActiveKey { get; set; }
}

/// <summary>
/// Refuses to start on keys that could not verify anything, on keys without a tenant binding, and outside Development on
/// keys whose secret is published (<see cref="PublicSecrets"/>); every problem at once, each naming its key.
/// </summary>
internal sealed class SigningOptionsValidator(IHostEnvironment environment, IOptions<ControlPlaneOptions> controlPlane) : IValidateOptions<SigningOptions>
{
    // A shorter secret makes HMAC-SHA256 guessable well before its 128-bit tag is.
    internal const int MinimumSecretBytes = SigningKey.MinSecretBytes;

    public ValidateOptionsResult Validate(string? name, SigningOptions options)
    {
        var errors = new List<string>();
        // With a control plane the keys come from etcd; an edge may carry none of its own.
        if (options.Keys.Count == 0 && !controlPlane.Value.IsEnabled)
        {
            errors.Add("Signing:Keys must hold at least one key (Signing:Keys:{kid} = secret in hex), unless ControlPlane:Etcd is set.");
        }

        foreach (var (kid, hex) in options.Keys)
        {
            if (!SigningKey.IsValidId(kid))
            {
                errors.Add($"Signing:Keys:{kid}: a key id is 1 to 16 characters of [a-z0-9-].");
            }

            if (hex.StartsWith('<'))
            {
                errors.Add($"Signing:Keys:{kid} is still the template's placeholder; put a secret of your own there (e.g. openssl rand -hex 32).");
            }
            else if (!HexSecret.TryParse(hex, out var secret, out var hexError))
            {
                errors.Add($"Signing:Keys:{kid}: {hexError}");
            }
            else if (secret.Length < MinimumSecretBytes)
            {
                errors.Add($"Signing:Keys:{kid} must be at least {MinimumSecretBytes} bytes ({MinimumSecretBytes * 2} hex digits).");
            }
            else if (!environment.IsDevelopment() && PublicSecrets.NameOf(secret) is { } published)
            {
                errors.Add($"Signing:Keys:{kid} is {published}, which anyone can read; it is accepted only in the Development environment.");
            }

            var binding = options.KeyTenants.GetValueOrDefault(kid);
            if (binding is null || binding.StartsWith('<'))
            {
                errors.Add($"Signing:KeyTenants:{kid} must name the tenants key '{kid}' signs for (comma-separated ids), or '*' for a platform key.");
            }
            else if (!Sdk.Signing.KeyTenants.TryParse(binding, out _, out var tenantsError))
            {
                errors.Add($"Signing:KeyTenants:{kid}: {tenantsError}.");
            }
        }

        foreach (var kid in options.KeyTenants.Keys.Where(kid => !options.Keys.ContainsKey(kid)))
        {
            errors.Add($"Signing:KeyTenants:{kid} binds a key that is not one of Signing:Keys.");
        }

        if (options.ActiveKey is { } active && !options.Keys.ContainsKey(active))
        {
            errors.Add($"Signing:ActiveKey '{active}' is not one of Signing:Keys.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
