using Yarp.ReverseProxy.Configuration;

namespace EdgeImages.Edge.Origin;

/// <summary>The origin nodes as a YARP cluster: destinations, load balancing, active and passive health.</summary>
internal static class OriginClusterConfig
{
    /// <summary>The default cluster (when it has destinations) and every named one.</summary>
    public static IReadOnlyList<ClusterConfig> From(OriginOptions options)
    {
        var clusters = options.Clusters.Select(cluster => From(options, OriginOptions.ClusterIdFor(cluster.Key), cluster.Value)).ToList();
        if (options.Destinations.Count > 0)
        {
            clusters.Insert(0, From(options, OriginOptions.ClusterId, options.Destinations));
        }

        return clusters;
    }

    private static ClusterConfig From(OriginOptions options, string clusterId, Dictionary<string, string> destinations) => new()
    {
        ClusterId = clusterId,
        LoadBalancingPolicy = options.LoadBalancingPolicy,
        Destinations = destinations.ToDictionary(
            pair => pair.Key,
            pair => new DestinationConfig { Address = pair.Value, Health = pair.Value.TrimEnd('/') + "/" },
            StringComparer.Ordinal),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = options.HealthCheckInterval,
                Timeout = options.TryTimeout,
                Policy = "ConsecutiveFailures",
                Path = "healthz",
            },
            // The edge does not forward through YARP, so it reports failures itself (SetPassive); enabling
            // passive health makes YARP honour those reports when it lists available destinations.
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = "TransportFailureRate",
                ReactivationPeriod = options.UnhealthyFor,
            },
            // When every node looks unhealthy, try them all anyway: health can be wrong, an error is certain.
            AvailableDestinationsPolicy = "HealthyOrPanic",
        },
        HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = options.TryTimeout },
    };
}
