using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Origin.Tests.Database;

/// <summary>
/// Patroni's REST API (issue 13): HTTPS with a certificate from the cluster's CA, and nothing answered to a client
/// without a client certificate from that CA. Its unsafe endpoints (switchover, restart, config) would otherwise let
/// anyone on the machine move the primary.
/// </summary>
public sealed class PatroniApiTlsTests(PatroniApiTlsTests.ClusterFixture fixture) : IClassFixture<PatroniApiTlsTests.ClusterFixture>
{
    [Fact]
    public async Task Get_ClientCertificateFromTheCa_AnswersWithTheRole()
    {
        using var client = PinnedHttpClient.Create(fixture.Ca, fixture.Cluster.RestClientCertificate);

        using var response = await client.GetAsync(fixture.Url("patroni"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"role\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_PlainHttp_IsRefused()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(fixture.Url("patroni").Replace("https://", "http://", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Get_NoClientCertificate_FailsTheHandshake()
    {
        using var client = PinnedHttpClient.Create(fixture.Ca);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(fixture.Url("patroni")));
    }

    [Fact]
    public async Task Get_ClientCertificateFromAnotherCa_FailsTheHandshake()
    {
        using var pki = new TestPki();
        using var client = PinnedHttpClient.Create(fixture.Ca, pki.IssueStrangerClient("patroni-test-client"));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(fixture.Url("patroni")));
    }

    /// <summary>One Patroni cluster (and its own etcd) for the class.</summary>
    public sealed class ClusterFixture : IAsyncLifetime
    {
        public PatroniCluster Cluster { get; private set; } = null!;

        public X509Certificate2 Ca { get; private set; } = null!;

        public string Url(string endpoint) => $"https://127.0.0.1:{Cluster.Nodes[0].RestPort}/{endpoint}";

        public async Task InitializeAsync()
        {
            Cluster = await PatroniCluster.StartAsync();
            Ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Cluster.CaCertificatePath));
        }

        public async Task DisposeAsync()
        {
            Ca?.Dispose();
            if (Cluster is not null)
            {
                await Cluster.DisposeAsync();
            }
        }
    }
}
