using EdgeImages.Edge.Origin;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace EdgeImages.Edge.Diagnostics;

/// <summary>
/// Origin reachability as YARP sees it (active probes of each node's <c>/healthz</c> plus failures the store
/// reports): healthy when every node is, degraded when some or all are not. Never unhealthy: an edge without its
/// origin still answers every cached and stale variant, and taking it out of rotation would move its whole load
/// onto other PoPs that cannot reach the same origin either. Alerts on <c>edgeimages_dependency_up</c> say it loud.
/// </summary>
internal sealed class OriginReachabilityHealthCheck(IProxyStateLookup proxyState) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxyState.TryGetCluster(OriginOptions.ClusterId, out var cluster))
        {
            return Task.FromResult(HealthCheckResult.Degraded("The origin cluster is not loaded."));
        }

        var all = cluster.DestinationsState.AllDestinations;
        var healthy = all.Count(IsHealthy);
        var description = $"{healthy} of {all.Count} origin nodes reachable.";
        return Task.FromResult(healthy == all.Count && healthy > 0
            ? HealthCheckResult.Healthy(description)
            : HealthCheckResult.Degraded(description));
    }

    // Unknown (not yet probed) counts as reachable, as YARP itself treats it when balancing.
    private static bool IsHealthy(DestinationState destination) =>
        destination.Health.Active != DestinationHealth.Unhealthy && destination.Health.Passive != DestinationHealth.Unhealthy;
}
