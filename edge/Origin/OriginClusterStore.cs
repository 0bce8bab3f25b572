using System.Net;
using System.Net.Http.Headers;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace EdgeImages.Edge.Origin;

/// <summary>
/// Originals from the origin cluster, through YARP's cluster model: YARP keeps the destinations, probes their health
/// and picks one by its load-balancing policy; this store sends the GET and classifies what came back. Timeouts,
/// the retry and the breaker are the cluster's <see cref="OriginPipeline"/>. Every way a fetch can fail ends as a
/// typed outcome: the origin's final word (404, 413), or an <see cref="UpstreamFailureException"/> (502, 503, 504).
/// </summary>
internal sealed partial class OriginClusterStore(
    IProxyStateLookup proxyState,
    IEnumerable<ILoadBalancingPolicy> policies,
    IDestinationHealthUpdater healthUpdater,
    ResiliencePipelineProvider<string> pipelines,
    NotFoundCache notFound,
    IOptions<OriginOptions> options,
    IOptions<TransformLimits> limits,
    OriginalBuffers buffers,
    TimeProvider timeProvider,
    EdgeMetrics metrics,
    ILogger<OriginClusterStore> logger) : IOriginalStore
{
    private const string VersionHeader = "X-Origin-Version";

    private readonly OriginOptions _options = options.Value;
    private readonly ILoadBalancingPolicy _policy = policies.Single(policy => policy.Name == options.Value.LoadBalancingPolicy);

    public async Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
    {
        var clusterId = OriginOptions.ClusterIdFor(key.Origin);
        if (!proxyState.TryGetCluster(clusterId, out var cluster))
        {
            metrics.OriginFailed(OriginFailureKind.UnknownCluster);
            throw UpstreamFailureException.Of(OriginFailureKind.UnknownCluster);
        }

        // One request per original however many variants of it miss at once, and a 404 remembered for a while: a
        // missing original asked for a hundred times costs the origin one request. The shared fetch belongs to no one
        // request (each attempt is bounded by Origin:TryTimeout); every caller stops waiting on its own token.
        return await notFound.FetchAsync(key, () => FetchAsync(cluster, key), cancellationToken).ConfigureAwait(false);
    }

    private async Task<Original> FetchAsync(ClusterState cluster, OriginalKey key)
    {
        var fetch = new Fetch(this, cluster, key, CancellationToken.None);
        try
        {
            return await pipelines.GetPipeline(OriginPipeline.KeyFor(cluster.ClusterId))
                .ExecuteAsync(static (fetch, token) => fetch.AttemptAsync(token), fetch, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (BrokenCircuitException)
        {
            metrics.OriginFailed(OriginFailureKind.BreakerOpen);
            throw UpstreamFailureException.Of(OriginFailureKind.BreakerOpen);
        }
        catch (Exception exception) when (exception is OriginAttemptException or TimeoutRejectedException)
        {
            // Every attempt failed. A timeout on any of them says more about the origin than the last one's error.
            throw UpstreamFailureException.Of(exception is OriginAttemptException failed && !fetch.TimedOut ? failed.Kind : OriginFailureKind.Timeout);
        }
    }

    private DestinationState? Pick(ClusterState cluster, List<DestinationState> tried)
    {
        var candidates = cluster.DestinationsState.AvailableDestinations.Where(d => !tried.Contains(d)).ToList();
        if (candidates.Count == 0)
        {
            // Every healthy node was tried: a node that is merely marked unhealthy beats giving up, and with one node
            // left the retry goes to it again.
            candidates = cluster.DestinationsState.AllDestinations.Where(d => !tried.Contains(d)).ToList();
        }

        if (candidates.Count == 0)
        {
            candidates = [.. cluster.DestinationsState.AllDestinations];
        }

        return candidates.Count == 0 ? null : _policy.PickDestination(new DefaultHttpContext(), cluster, candidates);
    }

    private async Task<Original> AttemptAsync(ClusterState cluster, DestinationState destination, OriginalKey key, CancellationToken attempt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, OriginUri(destination, key));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Credential);
        // YARP's invoker answers at the headers; the body is read below, inside the attempt's timeout: a node that sends
        // headers and then stalls is as hung as one that never answers.
        using var response = await cluster.Model.HttpClient.SendAsync(request, attempt).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                var original = await ReadOriginalAsync(response, attempt).ConfigureAwait(false);
                metrics.OriginAnswered();
                return original;
            case HttpStatusCode.NotFound:
                // The origin answered, and its answer is final on every node: not retried, not held against the node.
                metrics.OriginAnswered();
                throw EdgeProblemException.NotFound(key.Version is null ? "No such original." : "The original has no such version.");
            case HttpStatusCode.RequestEntityTooLarge:
                metrics.OriginAnswered();
                throw EdgeProblemException.TooLarge("The original exceeds the byte limit.");
            case HttpStatusCode.ServiceUnavailable when RetryAfterOf(response, timeProvider.GetUtcNow()) is { } retryAfter:
                // Unavailable on purpose (its database failing over): every node shares that state, so neither another
                // node, nor the node's health, nor the breaker is the answer. The client is told when to come back.
                metrics.OriginFailed(OriginFailureKind.Unavailable);
                throw UpstreamFailureException.Of(OriginFailureKind.Unavailable, retryAfter);
            default:
                throw Failed(cluster, destination, OriginFailureKind.Status, $"status {(int)response.StatusCode}");
        }
    }

    private async Task<Original> ReadOriginalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // One buffer for the announced length, counted in the miss's memory reservation before the body arrives.
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        var version = response.Headers.TryGetValues(VersionHeader, out var values) ? values.FirstOrDefault() : null;
        return await OriginalBody.ReadAsync(stream, response.Content.Headers.ContentLength, limits.Value.MaxSourceBytes, version, buffers, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Marks the node unhealthy for <c>Origin:UnhealthyFor</c>, counts and logs the failure; the pipeline retries it.</summary>
    private OriginAttemptException Failed(ClusterState cluster, DestinationState destination, OriginFailureKind kind, string reason, Exception? inner = null)
    {
        if (kind != OriginFailureKind.Timeout)
        {
            metrics.OriginFailed(kind); // timeouts are counted by the pipeline, which decides them
        }

        healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, _options.UnhealthyFor);
        Log.AttemptFailed(logger, destination.DestinationId, reason);
        return new OriginAttemptException(kind, reason, inner);
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static Uri OriginUri(DestinationState destination, OriginalKey key)
    {
        var path = string.Join('/', key.Path.Split('/').Select(Uri.EscapeDataString));
        var query = key.Version is null ? "" : "?version=" + Uri.EscapeDataString(key.Version);
        return new Uri($"{destination.Model.Config.Address.TrimEnd('/')}/v1/{key.Tenant}/{path}{query}");
    }

    /// <summary>One fetch across its attempts: which nodes it tried, and whether any of them timed out.</summary>
    private sealed class Fetch(OriginClusterStore store, ClusterState cluster, OriginalKey key, CancellationToken caller)
    {
        private readonly List<DestinationState> _tried = [];

        public bool TimedOut { get; private set; }

        public async ValueTask<Original> AttemptAsync(CancellationToken attempt)
        {
            var destination = store.Pick(cluster, _tried)
                ?? throw new OriginAttemptException(OriginFailureKind.Transport, "the cluster has no destinations");
            _tried.Add(destination);
            try
            {
                return await store.AttemptAsync(cluster, destination, key, attempt).ConfigureAwait(false);
            }
            catch (Exception exception) when (attempt.IsCancellationRequested && !caller.IsCancellationRequested
                && exception is OperationCanceledException or IOException or HttpRequestException)
            {
                // The attempt's timeout, not the caller: the node is hung (cancelling a read may surface as an I/O error).
                // Rethrown as a cancellation of the attempt, which the pipeline turns into its timeout.
                TimedOut = true;
                store.Failed(cluster, destination, OriginFailureKind.Timeout, "timed out");
                throw new OperationCanceledException("The origin attempt timed out.", exception, attempt);
            }
            catch (HttpRequestException exception)
            {
                // Refused, reset before the response, a response that ends in its headers, DNS, TLS.
                throw store.Failed(cluster, destination, OriginFailureKind.Transport, exception.HttpRequestError.ToString(), exception);
            }
            catch (IOException exception) when (!caller.IsCancellationRequested)
            {
                // HttpIOException and socket errors while reading the body: the node stopped in the middle of it.
                throw store.Failed(cluster, destination, OriginFailureKind.Truncated, exception.GetType().Name, exception);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Origin destination {Destination} failed: {Reason}; marked unhealthy.")]
        public static partial void AttemptFailed(ILogger logger, string destination, string reason);
    }
}
