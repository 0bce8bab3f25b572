using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Purges;
using EdgeImages.LoadTests.Generation;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests.Topology;

/// <summary>What to start: edges always; Redis and a real origin (PostgreSQL + one origin node) on request.</summary>
internal sealed record RegionSettings
{
    public int Edges { get; init; } = 1;

    public bool Redis { get; init; }

    public bool Origin { get; init; }

    /// <summary>A one-member etcd the edges follow, so that purges reach them as they do from the control plane.</summary>
    public bool Etcd { get; init; }

    /// <summary>Extra edge settings (<c>key=value</c>), e.g. <c>Transforms:QueueLength=8</c>.</summary>
    public IReadOnlyDictionary<string, string> EdgeSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Settings of one edge only, over <see cref="EdgeSettings"/>, by its index (the hit benchmark's L2 edge).</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> PerEdgeSettings { get; init; } = new Dictionary<int, IReadOnlyDictionary<string, string>>();
}

/// <summary>
/// One region on loopback: its edges, and when asked its Redis, an origin node on PostgreSQL with the
/// catalog uploaded through the origin's API, and an etcd the edges take purges from. Bounded: a few processes, all stopped at dispose.
/// </summary>
internal sealed class Region : IAsyncDisposable
{
    private const string MasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private const string OriginAdminToken = "loadtests-origin-admin-0123456789abcdef";
    private const string EdgeCredential = "loadtests-edge-credential-0123456789abcdef";

    private readonly List<IAsyncDisposable> _owned = [];

    public List<EdgeProcess> Edges { get; } = [];

    /// <summary>The settings each edge was started with, by index (for another build of the edge next to it).</summary>
    public List<IReadOnlyDictionary<string, string>> EdgeConfigurations { get; } = [];

    public RedisServer? Redis { get; private set; }

    public OriginNode? Origin { get; private set; }

    public EtcdCluster? Etcd { get; private set; }

    /// <summary>Per tenant, the API key that uploads (origin topology only).</summary>
    public Dictionary<string, string> TenantKeys { get; } = new(StringComparer.Ordinal);

    public static async Task<Region> StartAsync(RegionSettings settings, LoadTestData data, string dataFolder, TextWriter log)
    {
        var region = new Region();
        try
        {
            var edge = new Dictionary<string, string>
            {
                [$"Signing:Keys:{data.KeyId}"] = data.KeyHex,
                [$"Signing:KeyTenants:{data.KeyId}"] = "*",
                ["Signing:ActiveKey"] = data.KeyId,
                // The whole load comes from one address: the per-client limit would measure itself, not the edge.
                ["RateLimiting:PerClientPerSecond"] = "0",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            if (settings.Redis)
            {
                region.Redis = await RedisServer.StartAsync();
                region._owned.Add(region.Redis);
                edge["Caching:Redis"] = region.Redis.Configuration;
                log.WriteLine($"redis on {region.Redis.Configuration}");
            }

            if (settings.Origin)
            {
                var database = await PostgresServer.StartAsync();
                region._owned.Add(database);
                region.Origin = await OriginNode.StartAsync(new Dictionary<string, string>
                {
                    ["Origin:Database:ConnectionString"] = database.ConnectionString,
                    ["Origin:EdgeCredentials:edges"] = EdgeCredential,
                    ["Origin:AdminToken"] = OriginAdminToken,
                    ["Logging:LogLevel:Default"] = "Warning",
                });
                region._owned.Add(region.Origin);
                await region.UploadAsync(data, dataFolder, log);
                edge["Origin:Destinations:a"] = region.Origin.Address.ToString();
                edge["Origin:Credential"] = EdgeCredential;
            }
            else
            {
                edge["Originals:Path"] = Path.Combine(dataFolder, "originals");
            }

            foreach (var (key, value) in settings.EdgeSettings)
            {
                edge[key] = value;
            }

            if (settings.Etcd)
            {
                region.Etcd = await EtcdCluster.StartAsync(size: 1);
                region._owned.Add(region.Etcd);
                edge["ControlPlane:Etcd"] = region.Etcd.Endpoints;
                edge["ControlPlane:Region"] = "loadtests";
                edge["ControlPlane:Pop"] = "lt";
                edge["ControlPlane:PublicAddress"] = "http://127.0.0.1";
                edge["ControlPlane:MasterKey"] = MasterKey;
                log.WriteLine($"etcd on {region.Etcd.Endpoints}");
            }

            for (var i = 0; i < settings.Edges; i++)
            {
                if (settings.Etcd)
                {
                    edge["ControlPlane:EdgeId"] = $"edge-{i.ToString(CultureInfo.InvariantCulture)}";
                    edge["ControlPlane:StateFile"] = Path.Combine(dataFolder, $"control-plane-state-{i.ToString(CultureInfo.InvariantCulture)}.json");
                }

                var own = new Dictionary<string, string>(edge);
                foreach (var (key, value) in settings.PerEdgeSettings.GetValueOrDefault(i) ?? new Dictionary<string, string>())
                {
                    own[key] = value;
                }

                var process = await EdgeProcess.StartAsync(own);
                region.EdgeConfigurations.Add(own);
                region.Edges.Add(process);
                region._owned.Add(process);
                log.WriteLine($"edge {i} on {process.Address}");
            }

            return region;
        }
        catch
        {
            await region.DisposeAsync();
            throw;
        }
    }

    /// <summary>Uploads every original with PUT, under a key made for each tenant.</summary>
    private async Task UploadAsync(LoadTestData data, string dataFolder, TextWriter log)
    {
        using var client = new HttpClient { BaseAddress = Origin!.Address };
        foreach (var tenant in data.Tenants)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/admin/tenants/{tenant}/keys");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OriginAdminToken);
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            TenantKeys[tenant] = json.RootElement.GetProperty("key").GetString()!;
        }

        foreach (var original in data.Originals)
        {
            await PutAsync(original.Tenant, original.Path, await File.ReadAllBytesAsync(Path.Combine(dataFolder, "originals", original.Tenant, original.Path)));
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uploaded {data.Originals.Count} originals to the origin at {Origin.Address}"));
    }

    /// <summary>A new version of an original at the origin (origin topology only).</summary>
    public async Task PutAsync(string tenant, string path, byte[] bytes)
    {
        using var client = new HttpClient { BaseAddress = Origin!.Address };
        using var request = new HttpRequestMessage(HttpMethod.Put, "v1/" + tenant + "/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString)))
        {
            Content = new ByteArrayContent(bytes),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TenantKeys[tenant]);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Commits a purge of one original into etcd, as the control plane's <c>POST /v1/purge</c> does (etcd topology only).</summary>
    public async Task PurgeAsync(string tenant, string path)
    {
        using var etcd = new EtcdGateway(() => new EtcdConnectionSettings([new Uri(Etcd!.Members[0].ClientUrl)], TimeSpan.FromSeconds(5)), TimeProvider.System);
        var at = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid().ToString("N")[..12];
        var document = PurgeTarget.ForOriginal(tenant, path).ToDocument(id, "loadtests", at);
        await etcd.PutAsync(new EtcdKeys("/edgeimages/").Purge(at, id), DocumentJson.Encode(document), 0, CancellationToken.None);
    }

    /// <summary>Memory of every edge, for <c>/stats</c>.</summary>
    public object Stats() => new
    {
        edges = Edges.Select(edge => edge.Memory()).Select(m => new { rss = m.Rss, peakRss = m.PeakRss }).ToArray(),
    };

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }
}
