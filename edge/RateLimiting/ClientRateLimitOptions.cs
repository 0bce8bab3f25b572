using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>Per-client-address limits, configuration section <c>RateLimiting</c>.</summary>
internal sealed class ClientRateLimitOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>
    /// <c>RateLimiting:PerClientPerSecond</c>: sustained image requests per second from one client (an IPv4 address, or an IPv6 /64);
    /// 0 turns the limit off. A page of 100 thumbnails at 2x is about 200 requests, and one address may be a
    /// whole office behind NAT, so the default is generous: it stops a runaway script, not a busy page.
    /// </summary>
    [SettingRange(0, int.MaxValue, ErrorMessage = "RateLimiting:PerClientPerSecond must be between {1} and {2}.")]
    public int PerClientPerSecond { get; set; } = 500;

    /// <summary><c>RateLimiting:PerClientBurst</c>: requests one client may make at once above the rate.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "RateLimiting:PerClientBurst must be between {1} and {2}.")]
    public int PerClientBurst { get; set; } = 1000;
}

/// <summary>The ranges from the attributes, source-generated.</summary>
[OptionsValidator]
internal sealed partial class ClientRateLimitOptionsValidator : IValidateOptions<ClientRateLimitOptions>;
