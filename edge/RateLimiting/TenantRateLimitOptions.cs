using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>
/// How the per-tenant quotas (<c>Tenants:{tenant}:RequestsPerSecond</c> and <c>Burst</c>) are enforced,
/// configuration section <c>RateLimiting</c>. The quotas themselves are tenant settings, not options.
/// </summary>
internal sealed class TenantRateLimitOptions : IValidatableObject
{
    /// <summary>
    /// <c>RateLimiting:RegionalBudget</c>: the longest a request waits for the region's shared bucket in Redis.
    /// One round trip inside a region is well under a millisecond; past this the request is judged by this
    /// edge's own bucket alone (fail open), since a slow Redis must cost accuracy, not latency.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.010", "00:00:05", ErrorMessage = "RateLimiting:RegionalBudget must be between {1} and {2}.")]
    public TimeSpan RegionalBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// <c>RateLimiting:RegionalCooldown</c>: after a failed or late call, how long the shared bucket is not asked
    /// at all; the first request after it probes Redis again. Zero means no breaker (every request pays the budget). Short enough that the regional limit comes back
    /// quickly, long enough that a dead Redis is not asked (and waited on) by every request.
    /// </summary>
    public TimeSpan RegionalCooldown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The cooldown's rule: zero, or within Polly's bounds for a break.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RegionalCooldown != TimeSpan.Zero && (RegionalCooldown < TimeSpan.FromMilliseconds(500) || RegionalCooldown > TimeSpan.FromHours(1)))
        {
            yield return new ValidationResult("RateLimiting:RegionalCooldown must be 00:00:00 (no breaker) or between 00:00:00.5 and 01:00:00.", [nameof(RegionalCooldown)]);
        }
    }
}

/// <summary>The range from the attribute (Polly's bounds for a timeout), source-generated; <see cref="TenantRateLimitOptions.Validate"/> for the cooldown.</summary>
[OptionsValidator]
internal sealed partial class TenantRateLimitOptionsValidator : IValidateOptions<TenantRateLimitOptions>;
