using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>
/// How the per-tenant quotas (<c>Tenants:{tenant}:RequestsPerSecond</c> and <c>Burst</c>) are enforced,
/// configuration section <c>RateLimiting</c>. The quotas themselves are tenant settings, not options.
/// </summary>
internal sealed class TenantRateLimitOptions
{
    /// <summary>
    /// <c>RateLimiting:RegionalBudget</c>: the longest a request waits for the region's shared bucket in Redis.
    /// One round trip inside a region is well under a millisecond; past this the request is judged by this
    /// edge's own bucket alone (fail open), since a slow Redis must cost accuracy, not latency.
    /// </summary>
    public TimeSpan RegionalBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// <c>RateLimiting:RegionalCooldown</c>: after a failed or late call, how long the shared bucket is not asked
    /// at all; the first request after it probes Redis again. Zero means no breaker (every request pays the budget). Short enough that the regional limit comes back
    /// quickly, long enough that a dead Redis is not asked (and waited on) by every request.
    /// </summary>
    public TimeSpan RegionalCooldown { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class TenantRateLimitOptionsValidator : IValidateOptions<TenantRateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, TenantRateLimitOptions options)
    {
        var errors = new List<string>();
        // The bounds are Polly's: a timeout of at least 10 ms, a break of at least half a second.
        if (options.RegionalBudget < TimeSpan.FromMilliseconds(10) || options.RegionalBudget > TimeSpan.FromSeconds(5))
        {
            errors.Add("RateLimiting:RegionalBudget must be between 00:00:00.010 and 00:00:05.");
        }

        if (options.RegionalCooldown != TimeSpan.Zero && (options.RegionalCooldown < TimeSpan.FromMilliseconds(500) || options.RegionalCooldown > TimeSpan.FromHours(1)))
        {
            errors.Add("RateLimiting:RegionalCooldown must be 00:00:00 (no breaker) or between 00:00:00.5 and 01:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
