using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>Configuration section <c>Admin</c>.</summary>
internal sealed class AdminOptions : IValidatableObject
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
    [SettingRange(1, 10_000, ErrorMessage = "Admin:AuthFailuresPerMinute must be between {1} and {2}.")]
    public int AuthFailuresPerMinute { get; set; } = 20;

    /// <summary>The bootstrap key's rule, which says what a key must be.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BootstrapKey is { Length: > 0 } key && (key.Length < 32 || key.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult("Admin:BootstrapKey must be empty or at least 32 characters without spaces.", [nameof(BootstrapKey)]);
        }
    }
}

/// <summary>The range from the attribute, source-generated; <see cref="AdminOptions.Validate"/> for the key.</summary>
[OptionsValidator]
internal sealed partial class AdminOptionsValidator : IValidateOptions<AdminOptions>;
