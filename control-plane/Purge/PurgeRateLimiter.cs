using System.Threading.RateLimiting;
using EdgeImages.ControlPlane.Http;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Purge;

/// <summary>
/// A token bucket per admin key (by the actor the authenticator names), so that one key's runaway script is refused
/// with 429 while other keys purge on. The buckets live in this replica: with N replicas behind a balancer a key gets
/// up to N times the rate, which still bounds it; a shared bucket would put etcd on the path of every purge.
/// </summary>
internal sealed class PurgeRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public PurgeRateLimiter(IOptions<PurgeOptions> options)
    {
        var settings = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(actor => RateLimitPartition.GetTokenBucketLimiter(actor, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.Burst,
            TokensPerPeriod = settings.PerKeyPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one purge from <paramref name="actor"/>'s bucket, or refuses with 429 and when to try again.</summary>
    public void Take(string actor)
    {
        using var lease = _limiter.AttemptAcquire(actor);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
            throw new ControlPlaneProblemException(429, "Too many requests", "This admin key has issued too many purges; try again shortly.", retryAfter);
        }
    }

    public void Dispose() => _limiter.Dispose();
}
