using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using EdgeImages.Edge.Caching;
using Microsoft.Extensions.Options;
using RedisRateLimiting;
using StackExchange.Redis;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>What the region's shared bucket said.</summary>
internal enum RegionalVerdict
{
    Allowed,
    Rejected,

    /// <summary>Redis did not answer in budget (or the breaker is open): the caller relies on its local bucket.</summary>
    Unavailable,
}

/// <summary>
/// A tenant's quota shared by every edge of a region: one token bucket per tenant in the region's Redis
/// (RedisRateLimiting's Lua token bucket, on the edge's one connection). Every call is bounded by
/// <see cref="TenantRateLimitOptions.RegionalBudget"/>; a failure or a late answer opens a breaker for
/// <see cref="TenantRateLimitOptions.RegionalCooldown"/>, and meanwhile the answer is
/// <see cref="RegionalVerdict.Unavailable"/>, never an error: a dead Redis must not take the edge down.
/// </summary>
internal sealed partial class RegionalTenantRateLimiter(
    RedisConnection redis,
    IOptions<TenantRateLimitOptions> options,
    TimeProvider timeProvider,
    ILogger<RegionalTenantRateLimiter> logger) : IDisposable
{
    private readonly ConcurrentDictionary<TenantQuota, RateLimiter> _buckets = new();
    private long _closedAfterTimestamp;

    public bool IsAvailable => timeProvider.GetTimestamp() >= Interlocked.Read(ref _closedAfterTimestamp);

    public async ValueTask<RegionalVerdict> TryAcquireAsync(TenantQuota quota, CancellationToken cancellationToken)
    {
        if (!IsAvailable || !redis.IsConnected)
        {
            return RegionalVerdict.Unavailable;
        }

        var bucket = _buckets.GetOrAdd(quota, Create);
        var budget = options.Value.RegionalBudget;
        try
        {
            // The library's acquire takes no token; WaitAsync bounds the wait, and an abandoned call only
            // spends a token that nobody uses.
            using var lease = await bucket.AcquireAsync(1, cancellationToken).AsTask()
                .WaitAsync(budget, timeProvider, cancellationToken).ConfigureAwait(false);
            return lease.IsAcquired ? RegionalVerdict.Allowed : RegionalVerdict.Rejected;
        }
        catch (Exception exception) when (exception is TimeoutException or RedisException && !cancellationToken.IsCancellationRequested)
        {
            Open(exception);
            return RegionalVerdict.Unavailable;
        }
    }

    private RateLimiter Create(TenantQuota quota) =>
        // The Redis key is the tenant's alone: every edge of the region meets in the same bucket, and a
        // changed quota carries on from the bucket's current level rather than refilling it.
        new RedisTokenBucketRateLimiter<string>($"edge:tenant-quota:{quota.Tenant}", new RedisTokenBucketRateLimiterOptions
        {
            ConnectionMultiplexerFactory = () => redis.Multiplexer.Result,
            TokenLimit = quota.Burst,
            TokensPerPeriod = quota.PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        });

    private void Open(Exception exception)
    {
        var closedAfter = timeProvider.GetTimestamp() + (long)(options.Value.RegionalCooldown.TotalSeconds * timeProvider.TimestampFrequency);
        Interlocked.Exchange(ref _closedAfterTimestamp, closedAfter);
        Log.RegionalUnavailable(logger, options.Value.RegionalCooldown, exception.GetType().Name);
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
            Message = "Regional tenant quotas in Redis unavailable ({Reason}); each edge enforces its local quota for {Cooldown}.")]
        public static partial void RegionalUnavailable(ILogger logger, TimeSpan cooldown, string reason);
    }
}
