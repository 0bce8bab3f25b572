using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using EdgeImages.Edge.Caching;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Fallback;
using Polly.Registry;
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
/// (RedisRateLimiting's Lua token bucket, on the edge's one connection). Every call goes through the
/// <see cref="Pipeline"/>: a fallback to <see cref="RegionalVerdict.Unavailable"/>, a breaker that skips Redis for
/// <see cref="TenantRateLimitOptions.RegionalCooldown"/> after failures, and <see cref="TenantRateLimitOptions.RegionalBudget"/>
/// as a timeout. Whatever happens to Redis the answer is a verdict, never an error: a dead Redis must not take the edge down.
/// </summary>
internal sealed partial class RegionalTenantRateLimiter(
    RedisConnection redis,
    ResiliencePipelineProvider<string> pipelines) : IDisposable
{
    public const string PipelineKey = "regional-quota";

    private readonly ConcurrentDictionary<TenantQuota, RateLimiter> _buckets = new();
    private readonly ResiliencePipeline<RegionalVerdict> _pipeline = pipelines.GetPipeline<RegionalVerdict>(PipelineKey);

    public async ValueTask<RegionalVerdict> TryAcquireAsync(TenantQuota quota, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected)
        {
            return RegionalVerdict.Unavailable;
        }

        var bucket = _buckets.GetOrAdd(quota, Create);
        return await _pipeline.ExecuteAsync(
            static async (bucket, budget) =>
            {
                // The library's acquire takes no token; WaitAsync bounds the wait, and an abandoned call only
                // spends a token that nobody uses.
                using var lease = await bucket.AcquireAsync(1, budget).AsTask().WaitAsync(budget).ConfigureAwait(false);
                return lease.IsAcquired ? RegionalVerdict.Allowed : RegionalVerdict.Rejected;
            },
            bucket,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers the pipeline: fallback (outermost), breaker, budget.</summary>
    public static IServiceCollection AddPipeline(IServiceCollection services) =>
        services.AddResiliencePipeline<string, RegionalVerdict>(PipelineKey, (builder, context) =>
        {
            var provider = context.ServiceProvider;
            var options = provider.GetRequiredService<IOptions<TenantRateLimitOptions>>().Value;
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger<RegionalTenantRateLimiter>();
            builder.TimeProvider = provider.GetRequiredService<TimeProvider>();
            builder.AddFallback(new FallbackStrategyOptions<RegionalVerdict>
            {
                // Late, failed or skipped (open breaker): each edge judges by its own bucket. The caller's own
                // cancellation is the one failure that is not turned into a verdict.
                ShouldHandle = new PredicateBuilder<RegionalVerdict>().Handle<Exception>(exception => exception is not OperationCanceledException),
                FallbackAction = static _ => Outcome.FromResultAsValueTask(RegionalVerdict.Unavailable),
            });
            if (options.RegionalCooldown > TimeSpan.Zero)
            {
                var breaker = RedisPipeline.BreakerFor(options.RegionalCooldown, (reason, cooldown) => Log.RegionalUnavailable(logger, cooldown, reason));
                builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<RegionalVerdict>
                {
                    ShouldHandle = new PredicateBuilder<RegionalVerdict>().Handle<Exception>(exception => exception is not OperationCanceledException),
                    FailureRatio = breaker.FailureRatio,
                    MinimumThroughput = breaker.MinimumThroughput,
                    SamplingDuration = breaker.SamplingDuration,
                    BreakDuration = breaker.BreakDuration,
                    OnOpened = args =>
                    {
                        Log.RegionalUnavailable(logger, args.BreakDuration, args.Outcome.Exception?.GetType().Name ?? "failed");
                        return ValueTask.CompletedTask;
                    },
                });
            }

            builder.AddTimeout(options.RegionalBudget);
        });

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
