using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>Per-client-address limits, configuration section <c>RateLimiting</c>.</summary>
internal sealed class ClientRateLimitOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>
    /// <c>RateLimiting:PerClientPerSecond</c>: sustained image requests per second from one client address;
    /// 0 turns the limit off. A page of 100 thumbnails at 2x is about 200 requests, and one address may be a
    /// whole office behind NAT, so the default is generous: it stops a runaway script, not a busy page.
    /// </summary>
    public int PerClientPerSecond { get; set; } = 500;

    /// <summary><c>RateLimiting:PerClientBurst</c>: requests one client may make at once above the rate.</summary>
    public int PerClientBurst { get; set; } = 1000;
}

internal sealed class ClientRateLimitOptionsValidator : IValidateOptions<ClientRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientRateLimitOptions options)
    {
        var errors = new List<string>();
        if (options.PerClientPerSecond < 0)
        {
            errors.Add("RateLimiting:PerClientPerSecond must be 0 (off) or positive.");
        }

        if (options.PerClientBurst < 1)
        {
            errors.Add("RateLimiting:PerClientBurst must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
