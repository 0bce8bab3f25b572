using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Tests.Routing;

public sealed class RoutingTests(Deployment world) : IClassFixture<Deployment>
{
    private const string Paris = "198.51.100.7";
    private const string NewYork = "203.0.113.9";

    [Fact]
    public async Task Route_ByCidrTable_ListsHealthyPopsNearestFirst()
    {
        Assert.Equal(["fra", "iad"], await PopsAsync(world.ControlPlane.Client, Paris));
        Assert.Equal(["iad", "fra"], await PopsAsync(world.ControlPlane.Client, NewYork));

        var answer = await world.ControlPlane.Client.GetFromJsonAsync<JsonElement>($"/v1/route?ip={Paris}");
        Assert.Equal("cidr:198.51.100.0/24", answer.GetProperty("location").GetProperty("source").GetString());
        var distances = answer.GetProperty("pops").EnumerateArray().Select(p => p.GetProperty("distanceKm").GetDouble()).ToList();
        Assert.True(distances[0] < 600 && distances[1] > 5000, string.Join(", ", distances));
    }

    [Fact]
    public async Task Route_ByGeoIpDatabase_WhereTheTableIsSilent()
    {
        var database = Path.Combine(Path.GetTempPath(), $"edgeimages-geo-{Guid.NewGuid():N}.mmdb");
        MaxMindDbWriter.Write(database, [
            ("192.0.2.0/24", 52.52, 13.40, "Berlin"),
            ("10.20.0.0/16", 38.90, -77.04, "Washington"),
            ("198.51.100.0/24", -33.9, 151.2, "Sydney (overridden by the table)"),
        ]);
        try
        {
            var settings = Deployment.RoutingTable;
            settings["Routing:GeoIpDatabase"] = database;
            await using var replica = await ControlPlaneServer.StartAsync(world.Etcd.Endpoints, "cp-geo", settings);
            await Deployment.WaitRegisteredAsync(replica, 2);

            Assert.Equal(["fra", "iad"], await PopsAsync(replica.Client, "192.0.2.10"));
            Assert.Equal(["iad", "fra"], await PopsAsync(replica.Client, "10.20.3.4"));
            Assert.Equal(["fra", "iad"], await PopsAsync(replica.Client, Paris)); // the table wins over GeoIP
            var berlin = await replica.Client.GetFromJsonAsync<JsonElement>("/v1/route?ip=192.0.2.10");
            Assert.Equal("geoip", berlin.GetProperty("location").GetProperty("source").GetString());
            var unknown = await replica.Client.GetFromJsonAsync<JsonElement>("/v1/route?ip=100.100.100.100");
            Assert.Equal(JsonValueKind.Null, unknown.TryGetProperty("location", out var location) ? location.ValueKind : JsonValueKind.Null);
            Assert.Equal(2, unknown.GetProperty("pops").GetArrayLength());
        }
        finally
        {
            File.Delete(database);
        }
    }

    [Fact]
    public async Task Steer_Answers302_ToTheNearestEdge_KeepingThePath()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = world.ControlPlane.Address };
        using var response = await client.GetAsync($"/v1/steer?ip={NewYork}&path=/sig/w:100/acme/photos/cat.jpg");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(world.Ashburn.Address.ToString().TrimEnd('/') + "/sig/w:100/acme/photos/cat.jpg", response.Headers.Location!.ToString());

        using var bad = await client.GetAsync("/v1/steer?ip=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task DrainedPop_GetsNoNewClients_WhileItsEdgeKeepsServing()
    {
        var admin = world.ControlPlane.Client;
        (await admin.PostAsync("/v1/pops/iad/drain", null)).EnsureSuccessStatusCode();
        try
        {
            await Eventually.WaitAsync(async () => (await PopsAsync(admin, NewYork)).SequenceEqual(["fra"]), TimeSpan.FromSeconds(20), "iad drained");
            await Eventually.WaitAsync(() => world.Ashburn.State.Snapshot.Drained, TimeSpan.FromSeconds(20), "the edge knows it is drained");
            using var image = await world.Ashburn.GetStaticAsync("w:80", "photos/cat.jpg");
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        }
        finally
        {
            (await admin.DeleteAsync("/v1/pops/iad/drain")).EnsureSuccessStatusCode();
        }

        await Eventually.WaitAsync(async () => (await PopsAsync(admin, NewYork)).SequenceEqual(["iad", "fra"]), TimeSpan.FromSeconds(20), "iad back");
    }

    [Fact]
    public async Task CrashedPopsAndRegion_LeaveRoutes()
    {
        var admin = world.ControlPlane.Client;
        (await admin.PutAsJsonAsync("/v1/regions/eu-north", new { latitude = 59.3, longitude = 18.1 })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/v1/pops/ams", new { region = "eu-north", latitude = 52.37, longitude = 4.9 })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/v1/pops/arn", new { region = "eu-north", latitude = 59.33, longitude = 18.07 })).EnsureSuccessStatusCode();
        await using var amsterdam = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-north", "ams", "ams-1");
        await using var stockholm = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-north", "arn", "arn-1");
        await Eventually.WaitAsync(async () => (await PopsAsync(admin, Paris)).SequenceEqual(["ams", "fra", "arn", "iad"]), TimeSpan.FromSeconds(20), "four PoPs routed");

        // One PoP fails: its edge dies without a word (no lease revoke), as a crash or a cut cable would.
        // The waits are hang guards; how soon routing drops a PoP is measured by loadtests' control-plane command.
        await amsterdam.CrashAsync();
        await Eventually.WaitAsync(async () => !(await PopsAsync(admin, Paris)).Contains("ams"), TimeSpan.FromSeconds(30), "ams excluded");

        // Then the rest of the region.
        await stockholm.CrashAsync();
        await Eventually.WaitAsync(async () => (await PopsAsync(admin, Paris)).SequenceEqual(["fra", "iad"]), TimeSpan.FromSeconds(30), "eu-north excluded");
    }

    [Fact]
    public async Task EdgeThatStopsRenewing_ButStillAnswersProbes_LeavesRoutesWhenItsLeaseEnds()
    {
        // The lease path alone: the registration's address answers the leader's probes (it is Frankfurt's), so only
        // the lease running out can remove it. Renewed never, as an edge frozen right after registering.
        var admin = world.ControlPlane.Client;
        (await admin.PutAsJsonAsync("/v1/pops/cdg", new { region = "eu-west", latitude = 49.0, longitude = 2.55 })).EnsureSuccessStatusCode();
        var etcd = world.ControlPlane.Services.GetRequiredService<EdgeImages.ControlPlane.Etcd.EtcdStore>();
        var lease = await etcd.GrantLeaseAsync(TimeSpan.FromSeconds(2), CancellationToken.None); // what an edge with ControlPlane:LeaseTtl 3 s asks for
        var frozen = new EdgeRegistration
        {
            EdgeId = "cdg-1",
            Region = "eu-west",
            Pop = "cdg",
            Address = world.Frankfurt.Address.ToString().TrimEnd('/'),
        };
        await etcd.PutAsync(etcd.Keys.Edges + "cdg/cdg-1", DocumentJson.Encode(frozen), lease, CancellationToken.None);
        await Eventually.WaitAsync(async () => (await PopsAsync(admin, Paris)).FirstOrDefault() == "cdg", TimeSpan.FromSeconds(20), "cdg routed first from Paris");
        await Eventually.WaitAsync(async () => !(await PopsAsync(admin, Paris)).Contains("cdg"), TimeSpan.FromSeconds(30), "cdg excluded", TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task EdgeFailingTheLeadersProbe_IsExcluded_EvenWithALiveLease()
    {
        // A registration whose address answers nothing: its lease is kept alive, but the leader's probe fails.
        var etcd = world.ControlPlane.Services.GetRequiredService<EdgeImages.ControlPlane.Etcd.EtcdStore>();
        var lease = await etcd.GrantLeaseAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        var ghost = new EdgeRegistration
        {
            EdgeId = "ghost",
            Region = "eu-west",
            Pop = "fra",
            Address = $"http://127.0.0.1:{EdgeImages.Testing.FreePort.Next()}",
            Load = 0,
        };
        await etcd.PutAsync(etcd.Keys.Edges + "fra/ghost", DocumentJson.Encode(ghost), lease, CancellationToken.None);
        try
        {
            await Eventually.WaitAsync(async () =>
            {
                var answer = await world.ControlPlane.Client.GetFromJsonAsync<JsonElement>($"/v1/route?ip={Paris}");
                var fra = answer.GetProperty("pops").EnumerateArray().First(p => p.GetProperty("id").GetString() == "fra");
                return fra.GetProperty("edges").EnumerateArray().All(e => e.GetProperty("edgeId").GetString() != "ghost");
            }, TimeSpan.FromSeconds(20), "ghost excluded by the probe");
            var health = await world.ControlPlane.Client.GetStringAsync("/v1/health");
            Assert.Contains("\"healthy\":false", health, StringComparison.Ordinal);
        }
        finally
        {
            await etcd.RevokeLeaseAsync(lease, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Leader_ProbesOrigins_AndReportsThemInHealth()
    {
        await Eventually.WaitAsync(async () =>
        {
            var health = await world.ControlPlane.Client.GetFromJsonAsync<JsonElement>("/v1/health");
            var origins = health.GetProperty("origins").EnumerateArray().ToList();
            return origins.Any(o => o.GetProperty("target").GetString()!.EndsWith("/health", StringComparison.Ordinal) && o.GetProperty("healthy").GetBoolean())
                && origins.Any(o => o.GetProperty("target").GetString()!.EndsWith("/readyz", StringComparison.Ordinal) && !o.GetProperty("healthy").GetBoolean());
        }, TimeSpan.FromSeconds(20), "origin probes reported");
        var leader = await world.ControlPlane.Client.GetFromJsonAsync<JsonElement>("/v1/leader");
        Assert.Equal("cp-a", leader.GetProperty("leader").GetString());
    }

    private static async Task<string[]> PopsAsync(HttpClient client, string ip)
    {
        var answer = await client.GetFromJsonAsync<JsonElement>($"/v1/route?ip={ip}");
        return [.. answer.GetProperty("pops").EnumerateArray().Select(p => p.GetProperty("id").GetString()!)];
    }
}
