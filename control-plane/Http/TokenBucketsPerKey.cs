using System.Threading.RateLimiting;

namespace EdgeImages.ControlPlane.Http;

/// <summary>
/// A token bucket per key, in this replica's memory: the one limiter behind the control plane's per-caller limits
/// (purges per admin key, failed authentications per client address). Buckets refill on their own and nothing
/// queues: a caller whose bucket is empty is refused at once and told when a token is back. With N replicas behind a
/// balancer a key gets up to N times the rate, which still bounds it; a shared bucket would put etcd on every call.
/// </summary>
internal sealed class TokenBucketsPerKey<TKey> : IDisposable
    where TKey : notnull
{
    private readonly PartitionedRateLimiter<TKey> _limiter;

    /// <param name="burst">Tokens a full bucket holds: what a key may spend at once.</param>
    /// <param name="perPeriod">Tokens added back every <paramref name="period"/>: the sustained rate.</param>
    public TokenBucketsPerKey(int burst, int perPeriod, TimeSpan period)
    {
        // A whole second at least: Retry-After is sent in whole seconds, and 0 would invite an immediate retry.
        RefillTime = TimeSpan.FromSeconds(Math.Ceiling(period.TotalSeconds / perPeriod));
        _limiter = PartitionedRateLimiter.Create<TKey, TKey>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>How long an empty bucket takes to get one token back, rounded up to whole seconds.</summary>
    public TimeSpan RefillTime { get; }

    /// <summary>Takes one token from <paramref name="key"/>'s bucket; when it is empty, says how long until one is back.</summary>
    public bool TryTake(TKey key, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(key);
        retryAfter = lease.IsAcquired ? TimeSpan.Zero
            : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after
            : RefillTime;
        return lease.IsAcquired;
    }

    /// <summary>Whether <paramref name="key"/> has spent its bucket, without taking from it.</summary>
    public bool IsEmpty(TKey key) => _limiter.GetStatistics(key) is { CurrentAvailablePermits: <= 0 };

    public void Dispose() => _limiter.Dispose();
}
