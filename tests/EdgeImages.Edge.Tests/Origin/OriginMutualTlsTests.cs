using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Edge.Tests.Origin;

/// <summary>
/// Edge to origin over HTTPS with mutual TLS, end to end: a real origin process whose edges' listener demands a client
/// certificate from the deployment CA, and the real edge pinning that CA and presenting its own certificate.
/// </summary>
public sealed class OriginMutualTlsTests : IAsyncLifetime, IDisposable
{
    private const string AdminToken = "admin-token-0123456789abcdef0123456789abcd";

    private readonly TestPki _pki = new();
    private PostgresServer _database = null!;
    private OriginNode _origin = null!;

    [Fact]
    public async Task Miss_EdgeWithTheCasClientCertificate_FetchesOverMutualTls()
    {
        await using var edge = await EdgeServer.StartAsync(EdgeSettings(_pki.IssueClient("edge-1")));

        using var response = await edge.GetAsync("w:80", "flower.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("MISS", response.Headers.GetValues("X-Cache").Single());
    }

    [Fact]
    public async Task Miss_EdgeWithAnotherCasClientCertificate_OriginRefusesIt502()
    {
        // The edge has the credential and trusts the origin, but its certificate comes from elsewhere.
        await using var edge = await EdgeServer.StartAsync(EdgeSettings(_pki.IssueStrangerClient("edge-1")));

        using var response = await edge.GetAsync("w:80", "flower.jpg");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Miss_EdgePinningAnotherCa_RefusesTheOrigin502()
    {
        // A CA file with only the stranger in it: the real origin's certificate no longer chains to anything trusted.
        var strangerCa = _pki.Stranger.WriteCertificate(Path.Combine(_pki.Directory, "stranger-ca.crt"));
        var settings = EdgeSettings(_pki.IssueClient("edge-1"));
        settings["Tls:CaPath"] = strangerCa;
        await using var edge = await EdgeServer.StartAsync(settings);

        using var response = await edge.GetAsync("w:80", "flower.jpg");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.StartAsync();
        var settings = OriginClusterFixture.NodeSettings(_database.ConnectionString);
        _origin = await OriginNode.StartAsync(settings, _pki);

        // The tenant's tooling over the tenants' listener: HTTPS, an API key, no client certificate.
        using var client = _pki.CreateClient(baseAddress: _origin.TenantAddress);
        using var create = new HttpRequestMessage(HttpMethod.Post, "v1/admin/tenants/acme/keys");
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var created = await client.SendAsync(create);
        created.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        using var put = new HttpRequestMessage(HttpMethod.Put, "v1/acme/flower.jpg") { Content = new ByteArrayContent(TestImages.Read("photo-flower-3mp-baseline.jpg")) };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", json.RootElement.GetProperty("key").GetString());
        using var uploaded = await client.SendAsync(put);
        uploaded.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await _origin.DisposeAsync();
        await _database.DisposeAsync();
    }

    public void Dispose() => _pki.Dispose();

    private Dictionary<string, string?> EdgeSettings(PemFiles clientCertificate) => new()
    {
        ["Origin:Destinations:a"] = _origin.Address.ToString(),
        ["Origin:Credential"] = OriginClusterFixture.EdgeCredential,
        ["Origin:Retries"] = "0",
        ["Tls:CaPath"] = _pki.CaCertificatePath,
        ["Tls:ClientCertificate:Path"] = clientCertificate.CertificatePath,
        ["Tls:ClientCertificate:KeyPath"] = clientCertificate.KeyPath,
    };
}
