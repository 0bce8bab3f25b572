using System.Net.Http.Json;
using EdgeImages.Testing;

namespace EdgeImages.ControlPlane.Tests.Infrastructure;

/// <summary>
/// A small world: a real three-member etcd cluster, one control-plane replica, and two edges in two PoPs of two
/// regions (eu-west/fra at Frankfurt, us-east/iad at Ashburn). Shared by the tests of one class.
/// </summary>
public sealed class Deployment : IAsyncLifetime
{
    internal EtcdCluster Etcd { get; private set; } = null!;

    internal ControlPlaneServer ControlPlane { get; private set; } = null!;

    internal EdgeNode Frankfurt { get; private set; } = null!;

    internal EdgeNode Ashburn { get; private set; } = null!;

    internal static Dictionary<string, string?> RoutingTable => new()
    {
        // A client network in Paris and one in New York, for routing by the configured table.
        ["Routing:Networks:0:Cidr"] = "198.51.100.0/24",
        ["Routing:Networks:0:Latitude"] = "48.85",
        ["Routing:Networks:0:Longitude"] = "2.35",
        ["Routing:Networks:1:Cidr"] = "203.0.113.0/24",
        ["Routing:Networks:1:Latitude"] = "40.71",
        ["Routing:Networks:1:Longitude"] = "-74.0",
    };

    public async Task InitializeAsync()
    {
        Etcd = await EtcdCluster.StartAsync();
        var settings = RoutingTable;
        // Origins the leader probes: one that answers (an etcd member's /health) and one where nothing listens.
        settings["Leadership:Origins:up"] = Etcd.Members[0].ClientUrl + "/health";
        settings["Leadership:Origins:down"] = $"http://127.0.0.1:{FreePort.Next()}/readyz";
        // The bootstrap key purges a thousand times in a row in the propagation measurement; the per-key limit is
        // tested on a replica of its own (PurgeTests).
        settings["Purge:PerKeyPerSecond"] = "100000";
        settings["Purge:Burst"] = "100000";
        ControlPlane = await ControlPlaneServer.StartAsync(Etcd.Endpoints, "cp-a", settings);
        await SeedTopologyAsync(ControlPlane.Client);
        Frankfurt = await EdgeNode.StartAsync(Etcd.Endpoints, "eu-west", "fra", "fra-1");
        Ashburn = await EdgeNode.StartAsync(Etcd.Endpoints, "us-east", "iad", "iad-1");
        await WaitRegisteredAsync(ControlPlane, 2);
    }

    internal static async Task SeedTopologyAsync(HttpClient admin)
    {
        (await admin.PutAsJsonAsync("/v1/regions/eu-west", new { name = "Europe West", latitude = 50.1, longitude = 8.7 })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/v1/regions/us-east", new { name = "US East", latitude = 39.0, longitude = -77.5 })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/v1/pops/fra", new { region = "eu-west", latitude = 50.11, longitude = 8.68 })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/v1/pops/iad", new { region = "us-east", latitude = 38.95, longitude = -77.45 })).EnsureSuccessStatusCode();
    }

    internal static Task WaitRegisteredAsync(ControlPlaneServer server, int edges) =>
        Eventually.WaitAsync(() => server.Services.GetRequiredService<EdgeImages.ControlPlane.Etcd.ClusterView>().Current.Edges.Count >= edges,
            TimeSpan.FromSeconds(20), $"{edges} edges registered");

    public async Task DisposeAsync()
    {
        foreach (var disposable in new IAsyncDisposable?[] { Frankfurt, Ashburn, ControlPlane, Etcd })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }
    }
}
