using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Security;

/// <summary>The URL signing keys, from configuration section <c>Signing</c>.</summary>
internal sealed class SigningOptions
{
    public const string SectionName = "Signing";

    /// <summary><c>Signing:Keys:{kid}</c> = the secret in hex. Every listed key verifies.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>Signing:ActiveKey</c>: the kid that signs (the demo page and the SDK use it).</summary>
    public string? ActiveKey { get; set; }
}

/// <summary>Refuses to start on keys that could not verify anything, naming the offending key.</summary>
internal sealed class SigningOptionsValidator : IValidateOptions<SigningOptions>
{
    // A shorter secret makes HMAC-SHA256 guessable well before its 128-bit tag is.
    internal const int MinimumSecretBytes = SigningKey.MinSecretBytes;

    public ValidateOptionsResult Validate(string? name, SigningOptions options)
    {
        var errors = new List<string>();
        if (options.Keys.Count == 0)
        {
            errors.Add("Signing:Keys must hold at least one key (Signing:Keys:{kid} = secret in hex).");
        }

        foreach (var (kid, hex) in options.Keys)
        {
            if (!SigningKey.IsValidId(kid))
            {
                errors.Add($"Signing:Keys:{kid}: a key id is 1 to 16 characters of [a-z0-9-].");
            }

            if (!HexSecret.TryParse(hex, out var secret, out var hexError))
            {
                errors.Add($"Signing:Keys:{kid}: {hexError}");
            }
            else if (secret.Length < MinimumSecretBytes)
            {
                errors.Add($"Signing:Keys:{kid} must be at least {MinimumSecretBytes} bytes ({MinimumSecretBytes * 2} hex digits).");
            }
        }

        if (options.ActiveKey is { } active && !options.Keys.ContainsKey(active))
        {
            errors.Add($"Signing:ActiveKey '{active}' is not one of Signing:Keys.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
