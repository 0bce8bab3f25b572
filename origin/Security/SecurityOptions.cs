using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Security;

/// <summary>Credentials configured on the origin itself, from section <c>Origin</c>.</summary>
internal sealed class SecurityOptions : IValidatableObject
{
    public const string SectionName = "Origin";

    /// <summary>A shared secret is this long at least: 32 characters of a random token is far beyond guessing.</summary>
    public const int MinimumSecretLength = 32;

    /// <summary>
    /// <c>Origin:EdgeCredentials:{name}</c> = token. Each edge fleet (or region) gets its own name, so one can be
    /// rotated by adding the new token, rolling the edges, then removing the old. These tokens may only read.
    /// </summary>
    public Dictionary<string, string> EdgeCredentials { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>Origin:AdminToken</c>: guards the key-management endpoints. Unset, they answer 401 to everyone.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// Rules on secrets, kept here rather than as attributes: an empty admin token is refused (not taken for unset, as a
    /// pattern attribute would), and each edge credential is named by its key.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EdgeCredentials.Count == 0)
        {
            yield return new ValidationResult(
                "Origin:EdgeCredentials must hold at least one credential (Origin:EdgeCredentials:{name} = token); without one no edge can read.", [nameof(EdgeCredentials)]);
        }

        foreach (var (credential, token) in EdgeCredentials)
        {
            if (!IsStrongSecret(token))
            {
                yield return new ValidationResult($"Origin:EdgeCredentials:{credential} must be at least {MinimumSecretLength} characters without spaces.", [nameof(EdgeCredentials)]);
            }
        }

        if (AdminToken is { } admin && !IsStrongSecret(admin))
        {
            yield return new ValidationResult($"Origin:AdminToken must be at least {MinimumSecretLength} characters without spaces.", [nameof(AdminToken)]);
        }
    }

    private static bool IsStrongSecret(string? secret) =>
        secret is { Length: >= MinimumSecretLength } && !secret.Any(char.IsWhiteSpace);
}

/// <summary>Refuses to start on credentials that are missing or guessable, naming each offending key (source-generated).</summary>
[OptionsValidator]
internal sealed partial class SecurityOptionsValidator : IValidateOptions<SecurityOptions>;
