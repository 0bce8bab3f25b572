using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Security;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeImages.ControlPlane.Tests.Security;

/// <summary>
/// A real three-member etcd cluster as the deployed topology runs it: TLS for clients and peers, client certificates of
/// the deployment CA required, RBAC on, and the roles of <see cref="EtcdRoles"/> granted: the control plane, two edges,
/// and a password user of the JSON gateway (as Patroni would be).
/// </summary>
public sealed class SecureEtcd : IAsyncLifetime, IDisposable
{
    public const string GatewayUser = "patroni";

    public const string GatewayPrefix = "/service/";

    public TestPki Pki { get; } = new();

    public EtcdCluster Cluster { get; private set; } = null!;

    public EtcdKeys Keys { get; } = new("/edgeimages/");

    public string GatewayPassword { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public async Task InitializeAsync()
    {
        Cluster = await EtcdCluster.StartSecureAsync(Pki);
        var access = Cluster.AccessControl;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await access.EnsureUserAsync(EtcdRoles.ControlPlane, null, EtcdRoles.ControlPlanePermissions(Keys), timeout.Token);
        await access.EnsureUserAsync(EtcdRoles.EdgeUser("fra", "fra-1"), null, EtcdRoles.EdgePermissions(Keys, "eu-west", "fra", "fra-1"), timeout.Token);
        await access.EnsureUserAsync(EtcdRoles.EdgeUser("iad", "iad-1"), null, EtcdRoles.EdgePermissions(Keys, "us-east", "iad", "iad-1"), timeout.Token);
        await access.EnsureUserAsync(GatewayUser, GatewayPassword, EtcdRoles.PrefixPermissions(GatewayPrefix), timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    public void Dispose() => Pki.Dispose();
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EtcdTransportSecurityTests(SecureEtcd etcd) : IClassFixture<SecureEtcd>
{
    private static readonly ByteString Value = ByteString.CopyFromUtf8("{}");

    private static string EdgeUser => EtcdRoles.EdgeUser("fra", "fra-1");

    private EtcdKeys Keys => etcd.Keys;

    private EtcdServer Member => etcd.Cluster.Members[0];

    [Fact]
    public async Task SecureEtcd_PlaintextGrpcToClientPort_Fails()
    {
        using var plain = new EtcdGateway(() => new EtcdConnectionSettings([new Uri($"http://127.0.0.1:{Member.Port}")], TimeSpan.FromSeconds(2)), TimeProvider.System);

        await Assert.ThrowsAsync<EtcdUnavailableException>(() => plain.GetAsync(Keys.Tenant("acme"), CancellationToken.None));
    }

    [Theory]
    [InlineData("client")]
    [InlineData("peer")]
    public async Task SecureEtcd_PlaintextHttpToPort_GetsNoData(string port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var number = port == "client" ? Member.Port : Member.PeerPort;
        var path = port == "client" ? "/health" : "/members";

        var status = await StatusOrRefusedAsync(() => client.GetAsync(new Uri($"http://127.0.0.1:{number}{path}")));

        // Go's TLS listener answers a plaintext request with a bare 400 ("an HTTP request to an HTTPS server") and nothing else.
        Assert.NotEqual(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task SecureEtcd_ClientWithoutCertificate_Refused()
    {
        using var client = PinnedClient(certificate: null);

        var status = await StatusOrRefusedAsync(() => client.GetAsync(new Uri(Member.ClientUrl + "/health")));

        Assert.Null(status);
    }

    [Fact]
    public async Task SecureEtcd_ClientCertificateFromAnotherCa_Refused()
    {
        // The right name (the control plane's, which may write everything) from the wrong CA.
        var stranger = etcd.Pki.IssueStrangerClient("stranger-" + EtcdRoles.ControlPlane);
        var settings = new EtcdTlsSettings(etcd.Pki.CaCertificatePath, stranger.CertificatePath, stranger.KeyPath);
        using var gateway = new EtcdGateway(() => new EtcdConnectionSettings([new Uri(Member.ClientUrl)], TimeSpan.FromSeconds(2), settings), TimeProvider.System);
        using var client = PinnedClient(stranger.Load());

        await Assert.ThrowsAsync<EtcdUnavailableException>(() => gateway.PutAsync(Keys.Tenant("acme"), Value, 0, CancellationToken.None));
        Assert.Null(await StatusOrRefusedAsync(() => client.GetAsync(new Uri(Member.ClientUrl + "/health"))));
    }

    [Fact]
    public async Task SecureEtcd_ServerCertificateFromAnotherCa_GatewayRefusesIt()
    {
        // The client pins the stranger's CA: the real members' certificates do not chain to it.
        var files = etcd.Cluster.ClientTls(EtcdRoles.ControlPlane);
        var strangerCa = etcd.Pki.Stranger.WriteCertificate(Path.Combine(etcd.Pki.Directory, "stranger-ca.crt"));
        using var gateway = new EtcdGateway(
            () => new EtcdConnectionSettings([new Uri(Member.ClientUrl)], TimeSpan.FromSeconds(2), files with { CaFile = strangerCa }), TimeProvider.System);

        await Assert.ThrowsAsync<EtcdUnavailableException>(() => gateway.GetAsync(Keys.Tenant("acme"), CancellationToken.None));
    }

    [Theory]
    [InlineData("tenant")]
    [InlineData("signing-key")]
    [InlineData("admin-key")]
    [InlineData("another-edge")]
    [InlineData("purge")]
    [InlineData("drain")]
    [InlineData("another-region-generation")]
    public async Task EdgeIdentity_WriteOutsideItsOwnKeys_PermissionDenied(string what)
    {
        using var edge = etcd.Cluster.Connect(EdgeUser);
        var key = what switch
        {
            "tenant" => Keys.Tenant("acme"),
            "signing-key" => Keys.Key("k-edge"),
            "admin-key" => Keys.AdminKey("mine"),
            "another-edge" => Keys.Edge("iad", "iad-1"),
            "purge" => Keys.Purge(DateTimeOffset.UtcNow, "x"),
            "drain" => Keys.Drain("fra"),
            _ => Keys.CacheGeneration("us-east"),
        };

        var denied = await Assert.ThrowsAsync<RpcException>(() => edge.PutAsync(key, Value, 0, CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task EdgeIdentity_WritesItsRegistrationUnderALease_AndItsRegionsGeneration_ReadsConfiguration()
    {
        using var control = etcd.Cluster.Connect(EtcdRoles.ControlPlane);
        await control.PutAsync(Keys.Tenant("acme"), ByteString.CopyFromUtf8("{\"id\":\"acme\"}"), 0, CancellationToken.None);
        using var edge = etcd.Cluster.Connect(EdgeUser);

        var lease = await edge.GrantLeaseAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        await edge.PutAsync(Keys.Edge("fra", "fra-1"), Value, lease, CancellationToken.None);
        Assert.True(await edge.KeepAliveOnceAsync(lease, CancellationToken.None));
        await edge.PutAsync(Keys.CacheGeneration("eu-west"), Value, 0, CancellationToken.None);
        var read = await edge.ReadAllAsync([Keys.Keys, Keys.Tenants, Keys.Drain("fra"), Keys.CacheGeneration("eu-west"), Keys.Purges, Keys.PurgeHorizon], CancellationToken.None);
        await edge.RevokeLeaseAsync(lease, CancellationToken.None);

        Assert.Contains(read.Responses[1].ResponseRange.Kvs, kv => kv.Key.ToStringUtf8() == Keys.Tenant("acme"));
        Assert.Null(await control.GetAsync(Keys.Edge("fra", "fra-1"), CancellationToken.None));
    }

    [Fact]
    public async Task EdgeIdentity_ReadsNoAdminKeys()
    {
        using var edge = etcd.Cluster.Connect(EdgeUser);

        var denied = await Assert.ThrowsAsync<RpcException>(() => edge.RangeAsync(Keys.AdminKeys, CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task IdentityWithoutAUser_CanDoNothing()
    {
        using var nobody = etcd.Cluster.Connect("nobody-in-particular");

        var denied = await Assert.ThrowsAsync<RpcException>(() => nobody.GetAsync(Keys.Tenant("acme"), CancellationToken.None));

        Assert.True(denied.StatusCode is StatusCode.PermissionDenied or StatusCode.InvalidArgument, denied.Status.ToString());
    }

    [Fact]
    public async Task ControlPlaneIdentity_WritesTenantsSigningKeysAndAdminKeys()
    {
        using var control = etcd.Cluster.Connect(EtcdRoles.ControlPlane);

        await control.PutAsync(Keys.Tenant("beta"), Value, 0, CancellationToken.None);
        await control.PutAsync(Keys.Key("k-cp"), Value, 0, CancellationToken.None);
        await control.PutAsync(Keys.AdminKey("ops"), Value, 0, CancellationToken.None);

        Assert.NotNull(await control.GetAsync(Keys.AdminKey("ops"), CancellationToken.None));
    }

    [Fact]
    public async Task JsonGatewayUser_WithPassword_WritesItsPrefixAlone()
    {
        using var client = PinnedClient(etcd.Cluster.GatewayClientCertificate().Load());
        var token = await AuthenticateAsync(client, SecureEtcd.GatewayUser, etcd.GatewayPassword);

        var own = await GatewayPutAsync(client, token, SecureEtcd.GatewayPrefix + "edgeimages/leader");
        var tenant = await GatewayPutAsync(client, token, Keys.Tenant("acme"));

        Assert.Equal(HttpStatusCode.OK, own);
        Assert.NotEqual(HttpStatusCode.OK, tenant);
    }

    [Fact]
    public async Task JsonGateway_WrongPassword_NoToken()
    {
        using var client = PinnedClient(etcd.Cluster.GatewayClientCertificate().Load());

        using var response = await client.PostAsJsonAsync(new Uri(Member.ClientUrl + "/v3/auth/authenticate"), new { name = SecureEtcd.GatewayUser, password = "guess" });

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task JsonGateway_ControlPlaneCertificateWithoutToken_CannotWriteATenant()
    {
        // The gateway calls etcd with the member's own certificate, not the client's, so etcd refuses a named
        // certificate there outright: a certificate's name gives no rights through it, only a password's token does.
        var files = etcd.Cluster.ClientTls(EtcdRoles.ControlPlane);
        using var client = PinnedClient(X509Certificate2.CreateFromPemFile(files.CertificateFile, files.KeyFile));

        var status = await GatewayPutAsync(client, token: null, Keys.Tenant("acme"));

        Assert.NotEqual(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task JsonGateway_CertificateWithoutNameOrToken_CannotWriteATenant()
    {
        using var client = PinnedClient(etcd.Cluster.GatewayClientCertificate().Load());

        var status = await GatewayPutAsync(client, token: null, Keys.Tenant("acme"));

        Assert.NotEqual(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task ControlPlaneAndEdge_OverTlsAsTheirOwnUsers_EdgeRegistersAndAppliesPurges()
    {
        var cpTls = etcd.Cluster.ClientTls(EtcdRoles.ControlPlane);
        var endpoints = string.Join(',', etcd.Cluster.Members.Select(m => m.ClientUrl));
        var settings = Deployment.RoutingTable;
        settings["Etcd:CaFile"] = cpTls.CaFile;
        settings["Etcd:CertificateFile"] = cpTls.CertificateFile;
        settings["Etcd:KeyFile"] = cpTls.KeyFile;
        await using var controlPlane = await ControlPlaneServer.StartAsync(endpoints, "cp-tls", settings);
        await Deployment.SeedTopologyAsync(controlPlane.Client);
        var edgeTls = etcd.Cluster.ClientTls(EtcdRoles.EdgeUser("iad", "iad-1"));
        await using var edge = await EdgeNode.StartAsync(endpoints, "us-east", "iad", "iad-1", settings: new Dictionary<string, string?>
        {
            ["ControlPlane:EtcdCaFile"] = edgeTls.CaFile,
            ["ControlPlane:EtcdCertificateFile"] = edgeTls.CertificateFile,
            ["ControlPlane:EtcdKeyFile"] = edgeTls.KeyFile,
        });
        await Deployment.WaitRegisteredAsync(controlPlane, 1);
        var applied = PurgeWaits.AppliedAsync(edge.Purges, "tls/purged.jpg");

        using var purge = await controlPlane.Client.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = "tls/purged.jpg" });

        Assert.True(purge.IsSuccessStatusCode, purge.StatusCode.ToString());
        await applied.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private HttpClient PinnedClient(X509Certificate2? certificate)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(etcd.Pki.CaCertificatePath);
        var options = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        if (certificate is not null)
        {
            options.ClientCertificates = [certificate];
        }

        return new HttpClient(new SocketsHttpHandler { SslOptions = options }) { Timeout = TimeSpan.FromSeconds(10) };
    }

    private async Task<string> AuthenticateAsync(HttpClient client, string user, string password)
    {
        using var response = await client.PostAsJsonAsync(new Uri(Member.ClientUrl + "/v3/auth/authenticate"), new { name = user, password });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    private async Task<HttpStatusCode> GatewayPutAsync(HttpClient client, string? token, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Member.ClientUrl + "/v3/kv/put"))
        {
            Content = JsonContent.Create(new
            {
                key = Convert.ToBase64String(Encoding.UTF8.GetBytes(key)),
                value = Convert.ToBase64String(Encoding.UTF8.GetBytes("{}")),
            }),
        };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", token);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <returns>The status, or null when the connection or handshake failed.</returns>
    private static async Task<HttpStatusCode?> StatusOrRefusedAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            using var response = await send();
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
