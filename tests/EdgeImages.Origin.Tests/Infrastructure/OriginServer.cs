using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Origin.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using EdgeImages.Testing;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Origin.Tests.Infrastructure;

/// <summary>
/// The real origin on real Kestrel at 127.0.0.1 on a free port, built by the same code as production, against a
/// real PostgreSQL. Tests talk HTTP to it over a real socket; two of them on one database are two origin nodes.
/// </summary>
internal sealed class OriginServer : IAsyncDisposable
{
    public const string EdgeToken = "edge-credential-0123456789abcdef0123456789";
    public const string AdminToken = "admin-token-0123456789abcdef0123456789abcd";

    private readonly WebApplication _app;

    private OriginServer(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A node on the origin's database, as the application role, migrating as the schema owner.</summary>
    public static Task<OriginServer> StartAsync(
        OriginLogins logins,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?> { ["Origin:Database:MigrationConnectionString"] = logins.MigrationConnectionString };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return StartAsync(logins.ConnectionString, all, services);
    }

    public static async Task<OriginServer> StartAsync(
        string connectionString,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = OriginApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var configuration = new Dictionary<string, string?>
        {
            ["Origin:Database:ConnectionString"] = connectionString,
            ["Origin:EdgeCredentials:test-edges"] = EdgeToken,
            ["Origin:AdminToken"] = AdminToken,
            // Tests run retention themselves, at the instant they choose.
            ["Origin:Retention:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        services?.Invoke(builder.Services);
        var app = OriginApplication.Build(builder);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new OriginServer(app, new Uri(address));
    }

    /// <summary>Creates the tenant if new and returns a fresh API key for it.</summary>
    public async Task<string> CreateKeyAsync(string tenant)
    {
        var (key, _) = await CreateKeyWithIdAsync(tenant);
        return key;
    }

    public async Task<(string Key, string KeyId)> CreateKeyWithIdAsync(string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/admin/tenants/{tenant}/keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await Client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("key").GetString()!, body.GetProperty("keyId").GetString()!);
    }

    public async Task<HttpResponseMessage> PutAsync(string tenant, string encodedPath, byte[] content, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, RawUri($"/v1/{tenant}/{encodedPath}"))
        {
            Content = new ByteArrayContent(content),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await Client.SendAsync(request);
    }

    /// <summary>PUT that must succeed; the JSON body.</summary>
    public async Task<JsonElement> PutOkAsync(string tenant, string encodedPath, byte[] content, string key)
    {
        using var response = await PutAsync(tenant, encodedPath, content, key);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"PUT answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A read as an edge does it.</summary>
    public Task<HttpResponseMessage> EdgeSendAsync(HttpMethod method, string pathAndQuery, Action<HttpRequestMessage>? configure = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(method, RawUri(pathAndQuery));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EdgeToken);
        configure?.Invoke(request);
        return Client.SendAsync(request, cancellationToken);
    }

    public Task<HttpResponseMessage> EdgeGetAsync(string pathAndQuery, CancellationToken cancellationToken = default) =>
        EdgeSendAsync(HttpMethod.Get, pathAndQuery, cancellationToken: cancellationToken);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, string? bearer)
    {
        using var request = new HttpRequestMessage(method, RawUri(pathAndQuery));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>An absolute URI sent exactly as written (no removal of <c>..</c>, no unescaping).</summary>
    public Uri RawUri(string pathAndQuery) =>
        new(Client.BaseAddress!.GetLeftPart(UriPartial.Authority) + pathAndQuery,
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
