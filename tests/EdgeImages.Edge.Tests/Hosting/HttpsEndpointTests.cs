using System.Net;
using EdgeImages.Edge.Hosting;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Edge.Tests.Hosting;

/// <summary>
/// The edge's HTTPS endpoint as production configures it (Kestrel:Endpoints with PEM Path and KeyPath), on real
/// Kestrel and real sockets, with certificates from a test CA.
/// </summary>
public sealed class HttpsEndpointTests : IDisposable
{
    private readonly TestPki _pki = new();

    [Fact]
    public async Task HttpsEndpoint_ClientTrustingTheCa_GetsHttp2WithHsts()
    {
        await using var edge = await StartAsync(_pki.IssueServer("edge"));
        using var client = _pki.CreateClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(edge.Https, "healthz"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("max-age=31536000", string.Join(",", response.Headers.GetValues("Strict-Transport-Security")));
    }

    [Theory]
    [InlineData("localhost", false)]
    [InlineData("LOCALHOST", false)]
    [InlineData("127.0.0.1", true)]
    public async Task HttpsAnswer_ByHost_CarriesHstsExceptForLocalhost(string host, bool expected)
    {
        await using var edge = await StartAsync(_pki.IssueServer("edge"));
        using var client = _pki.CreateClient();

        // Browsers ignore HSTS from IP addresses; from localhost it would pin a developer's browser to HTTPS.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(edge.Https, "healthz"));
        request.Headers.Host = $"{host}:{edge.Https.Port}";
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task HttpsEndpoint_PlaintextRequest_FailsWithoutAnAnswer()
    {
        await using var edge = await StartAsync(_pki.IssueServer("edge"));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // The same port spoken to in the clear: no HTTP answer comes back, only a failed connection.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://127.0.0.1:{edge.Https.Port}/healthz")));
    }

    [Fact]
    public async Task HttpsEndpoint_ClientTrustingAnotherCa_RefusesTheServer()
    {
        await using var edge = await StartAsync(_pki.IssueServer("edge"));
        using var client = PinnedHttpClient.Create(_pki.Stranger.Certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(edge.Https, "healthz")));
    }

    [Fact]
    public async Task PlainHttpEndpoint_NextToHttps_AnswersOnly308ToTheSameUrlOnHttps()
    {
        await using var edge = await StartAsync(_pki.IssueServer("edge"), withPlainHttp: true);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        foreach (var path in new[] { "/k1.c2lnbmF0dXJl/w:100/acme/cat.jpg?x=1", "/healthz", "/metrics" })
        {
            using var response = await client.GetAsync(new Uri(edge.Http!, path));

            Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
            Assert.Equal(new Uri($"https://127.0.0.1:{edge.Https.Port}{path}"), response.Headers.Location);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task CertificateFilesReplaced_NewConnection_PresentsTheNewCertificate()
    {
        var files = _pki.IssueServer("edge");
        await using var edge = await StartAsync(files);
        var before = await ServerSerialAsync(edge.Https);

        // A renewal as deploy.ps1 rotate-certs does it: both files replaced in place, the edge left running.
        using (var renewed = _pki.Authority.IssueServer("edge"))
        {
            PemFiles.Write(renewed, _pki.Directory, "edge");
            await Eventually.WaitAsync(
                async () => await ServerSerialAsync(edge.Https) == renewed.SerialNumber,
                TimeSpan.FromSeconds(30),
                "a new connection to present the renewed certificate");
        }

        Assert.NotEqual(before, await ServerSerialAsync(edge.Https));
    }

    [Fact]
    public async Task HttpsEndpoint_Metrics_ExportTheCertificateExpiry()
    {
        var files = _pki.IssueServer("edge");
        await using var edge = await StartAsync(files);
        using var client = _pki.CreateClient();
        using var certificate = files.Load();

        var samples = PrometheusText.Parse(await client.GetStringAsync(new Uri(edge.Https, "metrics")));

        // Labelled with the endpoint whose certificate it is (Kestrel:Endpoints:Https).
        var expiry = samples.ValueOf("edgeimages_tls_certificate_expiry_timestamp_seconds", ("certificate", "Https"));
        Assert.Equal(new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), expiry);
    }

    public void Dispose() => _pki.Dispose();

    /// <summary>The serial of the certificate a brand-new connection is shown.</summary>
    private async Task<string?> ServerSerialAsync(Uri https)
    {
        string? serial = null;
        using var client = _pki.CreateClient(onServerCertificate: certificate => serial = certificate.SerialNumber);
        using var response = await client.GetAsync(new Uri(https, "healthz"));
        response.EnsureSuccessStatusCode();
        return serial;
    }

    private static async Task<RunningEdge> StartAsync(PemFiles certificate, bool withPlainHttp = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Signing:Keys:k1"] = new string('c', 64),
            ["Signing:KeyTenants:k1"] = "acme",
            ["Originals:Path"] = Path.GetTempPath(),
            ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Certificate:Path"] = certificate.CertificatePath,
            ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = certificate.KeyPath,
            ["Tls:ReloadInterval"] = "00:00:00.200",
        };
        if (withPlainHttp)
        {
            settings["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        }

        var builder = EdgeApplication.CreateBuilder(["--environment", "Production", "--hostBuilder:reloadConfigOnChange=false"], settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = EdgeApplication.Build(builder);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        return new RunningEdge(app, addresses.Single(a => a.Scheme == "https"), addresses.SingleOrDefault(a => a.Scheme == "http"));
    }

    private sealed record RunningEdge(WebApplication App, Uri Https, Uri? Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
