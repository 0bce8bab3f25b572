using System.Net;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Routing;

/// <summary>
/// Healthy PoPs nearest first. A PoP is routable when it is not drained and has at least one edge that is registered
/// (its lease is alive), says it is ready, and has not failed the leader's last probe. An edge that dies loses its
/// lease within the lease TTL and its key vanishes; the watch removes it here at that moment.
/// </summary>
internal sealed class Router(ClusterView view, GeoLocator geo)
{
    private const double EarthRadiusKm = 6371.0;

    public RouteAnswer Route(IPAddress client)
    {
        var state = view.Current;
        var location = geo.Locate(client);
        var pops = new List<RoutedPop>();
        foreach (var pop in state.Pops.Values)
        {
            if (state.Drains.ContainsKey(pop.Id))
            {
                continue;
            }

            var edges = HealthyEdges(state, pop.Id);
            if (edges.Count == 0)
            {
                continue;
            }

            double? distance = location is null ? null : Math.Round(DistanceKm(location.Latitude, location.Longitude, pop.Latitude, pop.Longitude), 1);
            pops.Add(new RoutedPop(pop.Id, pop.Region, distance,
                [.. edges.OrderBy(e => e.Load).Select(e => new RoutedEdge(e.EdgeId, e.Address, e.Load))]));
        }

        // Without a location every PoP is as near as any other: least loaded first, then by id for a stable answer.
        var ordered = location is null
            ? pops.OrderBy(p => p.Edges.Min(e => e.Load)).ThenBy(p => p.Id, StringComparer.Ordinal)
            : pops.OrderBy(p => p.DistanceKm).ThenBy(p => p.Id, StringComparer.Ordinal);
        return new RouteAnswer(client.ToString(), location, [.. ordered], state.Revision);
    }

    public static List<EdgeRegistration> HealthyEdges(ClusterState state, string pop) =>
        [.. state.Edges
            .Where(e => e.Value.Pop == pop && e.Value.Ready && (!state.Probes.TryGetValue(e.Key, out var probe) || probe.Healthy))
            .Select(e => e.Value)];

    /// <summary>Great-circle distance (haversine).</summary>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(lat2 - lat1);
        var dLon = Radians(lon2 - lon1);
        var a = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}

internal sealed record RouteAnswer(string Ip, GeoLocation? Location, IReadOnlyList<RoutedPop> Pops, long Revision);

internal sealed record RoutedPop(string Id, string Region, double? DistanceKm, IReadOnlyList<RoutedEdge> Edges);

internal sealed record RoutedEdge(string EdgeId, string Address, double Load);
