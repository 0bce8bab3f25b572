using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Admin;

/// <summary>The edge's own admin endpoints, configuration section <c>Admin</c>.</summary>
internal sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>
    /// <c>Admin:Token</c>: the bearer token the control plane (or an operator) presents to purge. Empty turns
    /// the admin endpoints off: an edge never exposes an unauthenticated purge.
    /// </summary>
    public string? Token { get; set; }
}

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    // 128 bits of a random token; anything shorter is guessable by a patient attacker.
    private const int MinimumTokenLength = 32;

    public ValidateOptionsResult Validate(string? name, AdminOptions options) =>
        string.IsNullOrEmpty(options.Token) || options.Token.Length >= MinimumTokenLength
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Admin:Token must be empty (admin off) or at least {MinimumTokenLength} characters.");
}
