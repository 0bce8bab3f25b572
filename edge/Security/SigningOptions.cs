using System.ComponentModel.DataAnnotations;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Security;

/// <summary>The URL signing keys, from configuration section <c>Signing</c>.</summary>
internal sealed class SigningOptions : IValidatableObject
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

    /// <summary>
    /// Every rule here reads a key together with its secret, its tenant binding or the active key, which no attribute on
    /// one property can: keys that could not verify anything, keys without a tenant binding, bindings and an active key
    /// that name no key. Each problem names its key.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (kid, hex) in Keys)
        {
            if (!SigningKey.IsValidId(kid))
            {
                yield return new ValidationResult($"Signing:Keys:{kid}: a key id is 1 to {Sdk.Urls.Identifier.MaxKeyIdLength} characters of {Sdk.Urls.Identifier.Characters}.", [nameof(Keys)]);
            }

            if (hex.StartsWith('<'))
            {
                yield return new ValidationResult($"Signing:Keys:{kid} is still the template's placeholder; put a secret of your own there (e.g. openssl rand -hex 32).", [nameof(Keys)]);
            }
            else if (!HexSecret.TryParse(hex, out var secret, out var hexError))
            {
                yield return new ValidationResult($"Signing:Keys:{kid}: {hexError}", [nameof(Keys)]);
            }
            else if (secret.Length < SigningKey.MinSecretBytes)
            {
                // A shorter secret makes HMAC-SHA256 guessable well before its 128-bit tag is.
                yield return new ValidationResult($"Signing:Keys:{kid} must be at least {SigningKey.MinSecretBytes} bytes ({SigningKey.MinSecretBytes * 2} hex digits).", [nameof(Keys)]);
            }

            var binding = KeyTenants.GetValueOrDefault(kid);
            if (binding is null || binding.StartsWith('<'))
            {
                yield return new ValidationResult($"Signing:KeyTenants:{kid} must name the tenants key '{kid}' signs for (comma-separated ids), or '*' for a platform key.", [nameof(KeyTenants)]);
            }
            else if (!Sdk.Signing.KeyTenants.TryParse(binding, out _, out var tenantsError))
            {
                yield return new ValidationResult($"Signing:KeyTenants:{kid}: {tenantsError}.", [nameof(KeyTenants)]);
            }
        }

        foreach (var kid in KeyTenants.Keys.Where(kid => !Keys.ContainsKey(kid)))
        {
            yield return new ValidationResult($"Signing:KeyTenants:{kid} binds a key that is not one of Signing:Keys.", [nameof(KeyTenants)]);
        }

        if (ActiveKey is { } active && !Keys.ContainsKey(active))
        {
            yield return new ValidationResult($"Signing:ActiveKey '{active}' is not one of Signing:Keys.", [nameof(ActiveKey)]);
        }
    }
}

/// <summary>Source-generated; the rules are <see cref="SigningOptions.Validate"/>, and <see cref="SigningHostValidator"/>'s.</summary>
[OptionsValidator]
internal sealed partial class SigningOptionsValidator : IValidateOptions<SigningOptions>;

/// <summary>
/// The two rules that need the host, which the generated validator cannot be given: an edge may carry no keys of its
/// own only when the control plane supplies them, and outside Development it refuses keys whose secret is published
/// (<see cref="PublicSecrets"/>), naming each.
/// </summary>
internal sealed class SigningHostValidator(IHostEnvironment environment, IOptions<ControlPlaneOptions> controlPlane) : IValidateOptions<SigningOptions>
{
    public ValidateOptionsResult Validate(string? name, SigningOptions options)
    {
        var errors = new List<string>();
        // With a control plane the keys come from etcd; an edge may carry none of its own.
        if (options.Keys.Count == 0 && !controlPlane.Value.IsEnabled)
        {
            errors.Add("Signing:Keys must hold at least one key (Signing:Keys:{kid} = secret in hex), unless ControlPlane:Etcd is set.");
        }

        if (!environment.IsDevelopment())
        {
            foreach (var (kid, hex) in options.Keys)
            {
                // A secret that does not parse is reported by SigningOptions.Validate; there is nothing to compare.
                if (HexSecret.TryParse(hex, out var secret, out _) && PublicSecrets.NameOf(secret) is { } published)
                {
                    errors.Add($"Signing:Keys:{kid} is {published}, which anyone can read; it is accepted only in the Development environment.");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

