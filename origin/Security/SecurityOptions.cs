using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Security;

/// <summary>Credentials configured on the origin itself, from section <c>Origin</c>.</summary>
internal sealed class SecurityOptions
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
}

/// <summary>Refuses to start on credentials that are missing or guessable, naming each offending key.</summary>
internal sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var errors = new List<string>();
        if (options.EdgeCredentials.Count == 0)
        {
            errors.Add("Origin:EdgeCredentials must hold at least one credential (Origin:EdgeCredentials:{name} = token); without one no edge can read.");
        }

        foreach (var (credential, token) in options.EdgeCredentials)
        {
            if (string.IsNullOrEmpty(token) || token.Length < SecurityOptions.MinimumSecretLength || token.Any(char.IsWhiteSpace))
            {
                errors.Add($"Origin:EdgeCredentials:{credential} must be at least {SecurityOptions.MinimumSecretLength} characters without spaces.");
            }
        }

        if (options.AdminToken is { } admin && (admin.Length < SecurityOptions.MinimumSecretLength || admin.Any(char.IsWhiteSpace)))
        {
            errors.Add($"Origin:AdminToken must be at least {SecurityOptions.MinimumSecretLength} characters without spaces.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
