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
}

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options) =>
        options.BootstrapKey is not { Length: > 0 } key || (key.Length >= 32 && !key.Any(char.IsWhiteSpace))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Admin:BootstrapKey must be empty or at least 32 characters without spaces.");
}
