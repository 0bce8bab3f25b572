using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Origin.Hosting;
using EdgeImages.Origin.Tests.Infrastructure;
using EdgeImages.Testing.Tls;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Origin.Tests.Security;

/// <summary>
/// The origin as deployed: an edges' listener that demands a client certificate from the deployment CA, and a
/// tenants' listener (uploads, listings, key management) that asks for none. Real Kestrel, real sockets, real
/// PostgreSQL; certificates from a test CA and, for the refusals, from an unrelated one.
/// </summary>
public sealed class MutualTlsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new();
    private WebApplication _app = null!;
    private Uri _edges = null!;
    private Uri _tenants = null!;
    private string _tenant = null!;

    [Fact]
    public async Task EdgesListener_EdgeCertificateAndCredential_Reads()
    {
        using var client = _pki.CreateClient(_pki.IssueClient("edge-1"));

        using var response = await client.SendAsync(EdgeRead(_edges));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestImages.Jpeg, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task EdgesListener_NoClientCertificate_HandshakeRefused()
    {
        using var client = _pki.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(EdgeRead(_edges)));
    }

    [Fact]
    public async Task EdgesListener_ClientCertificateFromAnotherCa_HandshakeRefused()
    {
        // Same name, same shape, wrong issuer.
        using var client = _pki.CreateClient(_pki.IssueStrangerClient("edge-1"));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(EdgeRead(_edges)));
    }

    [Fact]
    public async Task TenantsListener_EdgeCredentialWithoutCertificate_Returns401()
    {
        // The edge credential alone, stolen or replayed over the listener anyone may reach, reads nothing.
        using var client = _pki.CreateClient();

        using var response = await client.SendAsync(EdgeRead(_tenants));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("client certificate", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantsListener_ApiKeyWithoutCertificate_ListsAndUploads()
    {
        using var client = _pki.CreateClient();
        var key = await CreateKeyAsync(client, _tenant);

        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(_tenants, $"v1/{_tenant}/b.jpg")) { Content = new ByteArrayContent(TestImages.Jpeg) };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var uploaded = await client.SendAsync(put);
        using var list = new HttpRequestMessage(HttpMethod.Get, new Uri(_tenants, $"v1/{_tenant}"));
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var listed = await client.SendAsync(list);

        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
    }

    [Theory]
    [InlineData("edges")]
    [InlineData("tenants")]
    public async Task EitherListener_PlaintextRequest_FailsWithoutAnAnswer(string listener)
    {
        var port = (listener == "edges" ? _edges : _tenants).Port;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz")));
    }

    public async Task InitializeAsync()
    {
        var server = _pki.IssueServer("origin");
        var builder = OriginApplication.CreateBuilder(["--environment", "Testing", "--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Origin:Database:ConnectionString"] = postgres.ConnectionString,
            ["Origin:EdgeCredentials:edges"] = OriginServer.EdgeToken,
            ["Origin:AdminToken"] = OriginServer.AdminToken,
            ["Origin:Retention:Enabled"] = "false",
            ["Kestrel:Certificates:Default:Path"] = server.CertificatePath,
            ["Kestrel:Certificates:Default:KeyPath"] = server.KeyPath,
            ["Kestrel:Endpoints:Edges:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Edges:ClientCertificateMode"] = "RequireCertificate",
            ["Kestrel:Endpoints:Tenants:Url"] = "https://127.0.0.1:0",
            ["Tls:CaPath"] = _pki.CaCertificatePath,
        });
        _app = OriginApplication.Build(builder);
        await _app.StartAsync();
        // Kestrel lists its addresses in the order of the configuration's endpoints.
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        (_edges, _tenants) = (addresses[0], addresses[1]);

        using var client = _pki.CreateClient();
        _tenant = "mtls-" + Guid.NewGuid().ToString("N")[..8];
        var key = await CreateKeyAsync(client, _tenant);
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(_tenants, $"v1/{_tenant}/a.jpg")) { Content = new ByteArrayContent(TestImages.Jpeg) };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var uploaded = await client.SendAsync(put);
        uploaded.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _pki.Dispose();

    private HttpRequestMessage EdgeRead(Uri listener)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(listener, $"v1/{_tenant}/a.jpg"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OriginServer.EdgeToken);
        return request;
    }

    private async Task<string> CreateKeyAsync(HttpClient client, string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_tenants, $"v1/admin/tenants/{tenant}/keys"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OriginServer.AdminToken);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
