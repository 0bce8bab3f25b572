using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Origin;

/// <summary>
/// A real origin cluster for the edge: one PostgreSQL and two origin nodes, each a process of its own that a
/// test can kill, with tenant <c>acme</c> and a few originals uploaded through the origin's own API.
/// </summary>
internal sealed class OriginClusterFixture : IAsyncDisposable
{
    public const string EdgeCredential = "edge-credential-0123456789abcdef0123456789";
    private const string AdminToken = "admin-token-0123456789abcdef0123456789abcd";

    private OriginClusterFixture(PostgresServer database, OriginNode a, OriginNode b, string apiKey)
    {
        Database = database;
        NodeA = a;
        NodeB = b;
        ApiKey = apiKey;
    }

    public PostgresServer Database { get; }

    public OriginNode NodeA { get; }

    public OriginNode NodeB { get; }

    public string ApiKey { get; }

    public static async Task<OriginClusterFixture> StartAsync()
    {
        var database = await PostgresServer.StartAsync();
        var settings = NodeSettings(database.ConnectionString);
        var a = await OriginNode.StartAsync(settings);
        var b = await OriginNode.StartAsync(settings);
        return new OriginClusterFixture(database, a, b, await CreateTenantKeyAsync(a));
    }

    /// <summary>Settings of an origin node on the given database.</summary>
    public static Dictionary<string, string> NodeSettings(string connectionString) => new()
    {
        ["Origin:Database:ConnectionString"] = connectionString,
        // Short, so that a paused database soon costs a 503; not so short that a loaded test machine fails start-up.
        ["Origin:Database:ConnectTimeout"] = "00:00:03",
        ["Origin:EdgeCredentials:edges"] = EdgeCredential,
        ["Origin:AdminToken"] = AdminToken,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Creates tenant <c>acme</c> at an origin and returns its new API key.</summary>
    public static async Task<string> CreateTenantKeyAsync(OriginNode node)
    {
        using var client = new HttpClient { BaseAddress = node.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/admin/tenants/acme/keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>Settings that point an edge at both nodes, with failure detection quick enough for tests.</summary>
    public Dictionary<string, string?> EdgeSettings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Origin:Destinations:a"] = NodeA.Address.ToString(),
            ["Origin:Destinations:b"] = NodeB.Address.ToString(),
            ["Origin:Credential"] = EdgeCredential,
            ["Origin:TryTimeout"] = "00:00:02",
            ["Origin:HealthCheckInterval"] = "00:00:00.500",
            ["Originals:FetchTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Uploads a test image as <c>acme/{path}</c> and returns the new version id.</summary>
    public Task<string> PutAsync(string path, string testImage) => PutAsync(NodeB, ApiKey, path, testImage);

    /// <summary>Uploads a test image as <c>acme/{path}</c> to a node with a tenant key, and returns the new version id.</summary>
    public static async Task<string> PutAsync(OriginNode node, string apiKey, string path, string testImage)
    {
        using var client = new HttpClient { BaseAddress = node.Address };
        using var request = new HttpRequestMessage(HttpMethod.Put, $"v1/{EdgeServer.Tenant}/{path}")
        {
            Content = new ByteArrayContent(TestImages.Read(testImage)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("version").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await NodeA.DisposeAsync();
        await NodeB.DisposeAsync();
        await Database.DisposeAsync();
    }
}
