using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>Configuration section <c>Admin</c>.</summary>
internal sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>
    /// <c>Admin:BootstrapKey</c>: a token with the <c>admin</c> scope, configured rather than stored, so that the very
    /// first API key can be created. Empty (the default) means only stored keys are accepted.
    /// </summary>
    public string? BootstrapKey { get; set; }

    /// <summary>
    /// <c>Admin:AuthFailuresPerMinute</c>: failed authentications one client address may make per minute before its
    /// calls are answered 429. Twenty leaves room for an operator's typos and none for guessing.
    /// </summary>
    public int AuthFailuresPerMinute { get; set; } = 20;
}

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var errors = new List<string>();
        if (options.BootstrapKey is { Length: > 0 } key && (key.Length < 32 || key.Any(char.IsWhiteSpace)))
        {
            errors.Add("Admin:BootstrapKey must be empty or at least 32 characters without spaces.");
        }

        if (options.AuthFailuresPerMinute is < 1 or > 10_000)
        {
            errors.Add("Admin:AuthFailuresPerMinute must be 1 to 10000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
