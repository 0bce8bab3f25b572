using EdgeImages.Edge.Diagnostics;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace EdgeImages.Edge.Origin;

/// <summary>
/// The failure handling of an origin fetch as one Polly pipeline per cluster, outermost first: a circuit breaker over
/// whole fetches, one retry (on another node, see <see cref="OriginClusterStore"/>) after 10–50 ms of jitter, and a
/// timeout on each attempt. One breaker per cluster: one tenant's dead origin must not fail every other tenant's fetches.
/// </summary>
internal static partial class OriginPipeline
{
    /// <summary>The pipeline's key in <see cref="Polly.Registry.ResiliencePipelineProvider{TKey}"/>: the YARP cluster id.</summary>
    public static string KeyFor(string clusterId) => $"origin-fetch:{clusterId}";

    /// <summary>Registers a pipeline for each cluster id (built lazily, on the cluster's first fetch).</summary>
    public static IServiceCollection AddOriginPipelines(this IServiceCollection services, IEnumerable<string> clusterIds)
    {
        foreach (var clusterId in clusterIds)
        {
            services.AddResiliencePipeline(KeyFor(clusterId), (builder, context) =>
            {
                var provider = context.ServiceProvider;
                Configure(
                    builder,
                    provider.GetRequiredService<IOptions<OriginOptions>>().Value,
                    provider.GetRequiredService<TimeProvider>(),
                    provider.GetRequiredService<EdgeMetrics>(),
                    provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OriginPipeline)),
                    clusterId);
            });
        }

        return services;
    }

    internal static void Configure(ResiliencePipelineBuilder builder, OriginOptions options, TimeProvider timeProvider, EdgeMetrics metrics, ILogger logger, string clusterId)
    {
        builder.TimeProvider = timeProvider;

        // Only failures that say the cluster is broken count: a 404, a 413 or an origin that answers "unavailable, retry
        // after" has answered, and each of those counts as a success, closing a half-open breaker. Polly's breaker lets
        // one probe through after BreakFor and, whatever that probe's fate (even an exception of a kind nobody foresaw, or
        // a cancelled request), opens or closes again: it never stays half-open.
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<OriginAttemptException>().Handle<TimeoutRejectedException>(),
            FailureRatio = 1.0,
            MinimumThroughput = options.BreakAfterFailures,
            SamplingDuration = options.BreakSamplingDuration,
            BreakDuration = options.BreakFor,
            OnOpened = args =>
            {
                Log.BreakerOpened(logger, clusterId, args.BreakDuration);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                Log.BreakerClosed(logger, clusterId);
                return ValueTask.CompletedTask;
            },
        });

        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<OriginAttemptException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = options.Retries,
                // Jitter keeps a fleet of edges from retrying in lockstep against the node that is left.
                DelayGenerator = static _ => ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50))),
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Timeout = options.TryTimeout,
            OnTimeout = _ =>
            {
                metrics.OriginFailed(OriginFailureKind.Timeout);
                return ValueTask.CompletedTask;
            },
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Origin cluster {Cluster} failed repeatedly; fetches fail at once for {BreakDuration} (stale copies answer).")]
        public static partial void BreakerOpened(ILogger logger, string cluster, TimeSpan breakDuration);

        [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Origin cluster {Cluster} answers again; breaker closed.")]
        public static partial void BreakerClosed(ILogger logger, string cluster);
    }
}

/// <summary>One attempt on one node failed in a way that blames the node (the node has been marked unhealthy).</summary>
internal sealed class OriginAttemptException(OriginFailureKind kind, string reason, Exception? inner = null)
    : Exception(reason, inner)
{
    public OriginFailureKind Kind { get; } = kind;
}
