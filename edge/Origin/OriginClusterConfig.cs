using Yarp.ReverseProxy.Configuration;

namespace EdgeImages.Edge.Origin;

/// <summary>The origin nodes as a YARP cluster: destinations, load balancing, active and passive health.</summary>
internal static class OriginClusterConfig
{
    /// <summary>The origin's liveness endpoint, probed every <c>Origin:HealthCheckInterval</c>.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>
    /// Failed probes in a row that make a node unhealthy (YARP's ConsecutiveFailures policy): a stopped node reads
    /// unhealthy within two probe intervals, and one lost probe does not take a node out.
    /// </summary>
    public const int UnhealthyAfterProbes = 2;

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
        Metadata = new Dictionary<string, string>
        {
            ["ConsecutiveFailuresHealthPolicy.Threshold"] = UnhealthyAfterProbes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        LoadBalancingPolicy = options.LoadBalancingPolicy,
        Destinations = destinations.ToDictionary(
            pair => pair.Key,
            pair => new DestinationConfig { Address = pair.Value },
            StringComparer.Ordinal),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = options.HealthCheckInterval,
                Timeout = options.TryTimeout,
                Policy = "ConsecutiveFailures",
                // YARP appends the path to the destination's address and refuses one without a leading '/': with
                // "healthz" no probe was ever sent, and nodes read healthy or not by passive reports alone.
                Path = HealthPath,
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
