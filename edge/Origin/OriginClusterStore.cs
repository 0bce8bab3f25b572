using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace EdgeImages.Edge.Origin;

/// <summary>
/// Originals from the origin cluster, through YARP's cluster model: YARP keeps the destinations, probes
/// their health and picks one by its load-balancing policy; this store sends the GET, bounds each attempt,
/// marks a failing node unhealthy, retries once on another node after a little jitter, and breaks the
/// circuit when the whole cluster fails.
/// </summary>
internal sealed partial class OriginClusterStore(
    IProxyStateLookup proxyState,
    IEnumerable<ILoadBalancingPolicy> policies,
    IDestinationHealthUpdater healthUpdater,
    IOptions<OriginOptions> options,
    IOptions<TransformLimits> limits,
    TimeProvider timeProvider,
    EdgeMetrics metrics,
    ILogger<OriginClusterStore> logger) : IOriginalStore
{
    private const string VersionHeader = "X-Origin-Version";

    private readonly OriginOptions _options = options.Value;
    private readonly ILoadBalancingPolicy _policy = policies.Single(policy => policy.Name == options.Value.LoadBalancingPolicy);
    // One breaker per cluster: one tenant's dead origin must not fail every other tenant's fetches.
    private readonly ConcurrentDictionary<string, OriginBreaker> _breakers = new(StringComparer.Ordinal);

    public async Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
    {
        var clusterId = OriginOptions.ClusterIdFor(key.Origin);
        if (!proxyState.TryGetCluster(clusterId, out var cluster))
        {
            throw EdgeProblemException.BadGateway("The tenant's origin is not known to this edge.");
        }

        var breaker = _breakers.GetOrAdd(clusterId, _ => new OriginBreaker(_options.BreakAfterFailures, _options.BreakFor, timeProvider));
        if (!breaker.TryEnter())
        {
            metrics.OriginFailed(OriginFailureKind.BreakerOpen);
            throw EdgeProblemException.BadGateway("The origin is unavailable.");
        }

        var tried = new List<DestinationState>();
        var timedOut = false;
        for (var attempt = 0; attempt <= _options.Retries; attempt++)
        {
            var destination = Pick(cluster, tried);
            if (destination is null)
            {
                break;
            }

            tried.Add(destination);
            if (attempt > 0)
            {
                // Jitter keeps a fleet of edges from retrying in lockstep against the node that is left.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50)), timeProvider, cancellationToken).ConfigureAwait(false);
            }

            var outcome = await TryFetchAsync(cluster, destination, key, cancellationToken).ConfigureAwait(false);
            if (outcome is Failed { Kind: var kind })
            {
                metrics.OriginFailed(kind);
            }
            else
            {
                metrics.OriginAnswered();
            }

            switch (outcome)
            {
                case Fetched fetched:
                    breaker.Succeeded();
                    return fetched.Original;
                case Refused refused:
                    // The origin answered, and its answer (404, 413, 415) is final on every node.
                    breaker.Succeeded();
                    throw refused.Problem;
                case Failed failed:
                    timedOut |= failed.Kind == OriginFailureKind.Timeout;
                    healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, _options.UnhealthyFor);
                    Log.AttemptFailed(logger, destination.DestinationId, failed.Reason);
                    break;
            }
        }

        breaker.Failed();
        throw timedOut
            ? EdgeProblemException.GatewayTimeout("The origin did not answer in time.")
            : EdgeProblemException.BadGateway("The origin failed to return the original.");
    }

    private DestinationState? Pick(ClusterState cluster, List<DestinationState> tried)
    {
        var candidates = cluster.DestinationsState.AvailableDestinations.Where(d => !tried.Contains(d)).ToList();
        if (candidates.Count == 0)
        {
            // Every healthy node was tried: a node that is merely marked unhealthy beats giving up.
            candidates = cluster.DestinationsState.AllDestinations.Where(d => !tried.Contains(d)).ToList();
        }

        return candidates.Count == 0 ? null : _policy.PickDestination(new DefaultHttpContext(), cluster, candidates);
    }

    private async Task<Outcome> TryFetchAsync(ClusterState cluster, DestinationState destination, OriginalKey key, CancellationToken cancellationToken)
    {
        using var attempt = new CancellationTokenSource(_options.TryTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, OriginUri(destination, key));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Credential);
        try
        {
            using var response = await cluster.Model.HttpClient.SendAsync(request, linked.Token).ConfigureAwait(false);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => new Fetched(await ReadOriginalAsync(response, linked.Token).ConfigureAwait(false)),
                HttpStatusCode.NotFound => new Refused(EdgeProblemException.NotFound(key.Version is null ? "No such original." : "The original has no such version.")),
                HttpStatusCode.RequestEntityTooLarge => new Refused(EdgeProblemException.TooLarge("The original exceeds the byte limit.")),
                _ => new Failed($"status {(int)response.StatusCode}", OriginFailureKind.Status),
            };
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new Failed("timed out", OriginFailureKind.Timeout);
        }
        catch (HttpRequestException exception)
        {
            return new Failed(exception.HttpRequestError.ToString(), OriginFailureKind.Transport);
        }
    }

    private async Task<Original> ReadOriginalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // One buffer of the announced length, counted in the miss's memory reservation before the body arrives.
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        var version = response.Headers.TryGetValues(VersionHeader, out var values) ? values.FirstOrDefault() : null;
        return await OriginalBody.ReadAsync(stream, response.Content.Headers.ContentLength, limits.Value.MaxSourceBytes, version, cancellationToken).ConfigureAwait(false);
    }

    private static Uri OriginUri(DestinationState destination, OriginalKey key)
    {
        var path = string.Join('/', key.Path.Split('/').Select(Uri.EscapeDataString));
        var query = key.Version is null ? "" : "?version=" + Uri.EscapeDataString(key.Version);
        return new Uri($"{destination.Model.Config.Address.TrimEnd('/')}/v1/{key.Tenant}/{path}{query}");
    }

    private abstract record Outcome;

    private sealed record Fetched(Original Original) : Outcome;

    private sealed record Refused(EdgeProblemException Problem) : Outcome;

    private sealed record Failed(string Reason, OriginFailureKind Kind) : Outcome;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Origin destination {Destination} failed: {Reason}; marked unhealthy.")]
        public static partial void AttemptFailed(ILogger logger, string destination, string reason);
    }
}
