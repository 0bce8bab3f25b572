using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// The budget and breaker of every L2 call as a Polly pipeline, outermost first: a breaker that skips Redis for
/// <see cref="CacheOptions.RedisCooldown"/> once calls fail or run over budget, and the budget itself
/// (<see cref="CacheOptions.RedisBudget"/>) as a timeout. A cooldown of zero means no breaker: every call pays its budget.
/// </summary>
internal static partial class RedisPipeline
{
    public const string Key = "redis-l2";

    public static IServiceCollection AddRedisPipeline(this IServiceCollection services) =>
        services.AddResiliencePipeline(Key, (builder, context) =>
        {
            var provider = context.ServiceProvider;
            var options = provider.GetRequiredService<IOptions<CacheOptions>>().Value;
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RedisPipeline));
            builder.TimeProvider = provider.GetRequiredService<TimeProvider>();
            if (options.RedisCooldown > TimeSpan.Zero)
            {
                builder.AddCircuitBreaker(BreakerFor(options.RedisCooldown, (reason, cooldown) => Log.Tripped(logger, reason, cooldown.TotalMilliseconds)));
            }

            builder.AddTimeout(options.RedisBudget);
        });

    /// <summary>
    /// A breaker for a shared dependency that must never cost a request more than its budget: it opens when half the
    /// calls of the last <paramref name="cooldown"/> (at least the two Polly needs) failed, and skips the dependency
    /// for <paramref name="cooldown"/>; the first call after that probes it again. Only the caller's own cancellation
    /// is not held against the dependency.
    /// </summary>
    internal static CircuitBreakerStrategyOptions BreakerFor(TimeSpan cooldown, Action<string, TimeSpan> opened) => new()
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(exception => exception is not OperationCanceledException),
        FailureRatio = 0.5,
        MinimumThroughput = 2,
        SamplingDuration = cooldown < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : cooldown,
        BreakDuration = cooldown,
        OnOpened = args =>
        {
            opened(args.Outcome.Exception?.GetType().Name ?? "failed", args.BreakDuration);
            return ValueTask.CompletedTask;
        },
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Redis calls failed or exceeded their budget ({Reason}); skipping L2 for {CooldownMs} ms.")]
        public static partial void Tripped(ILogger logger, string reason, double cooldownMs);
    }
}
