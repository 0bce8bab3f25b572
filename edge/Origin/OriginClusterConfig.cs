using Yarp.ReverseProxy.Configuration;

namespace EdgeImages.Edge.Origin;

/// <summary>The origin nodes as a YARP cluster: destinations, load balancing, active and passive health.</summary>
internal static class OriginClusterConfig
{
    public static ClusterConfig From(OriginOptions options) => new()
    {
        ClusterId = OriginOptions.ClusterId,
        LoadBalancingPolicy = options.LoadBalancingPolicy,
        Destinations = options.Destinations.ToDictionary(
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
