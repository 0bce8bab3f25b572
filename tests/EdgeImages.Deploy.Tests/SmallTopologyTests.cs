using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Deploy.Tests;

/// <summary>
/// The small topology that <c>deploy.ps1 up</c> starts, exercised as a client would: route, fetch, purge, a rolling
/// replacement of the edges under traffic, and a whole region failing while its clients keep asking.
/// </summary>
public sealed class SmallTopologyTests(SmallTopology topology) : IClassFixture<SmallTopology>
{
    private const string EuWestClient = "127.2.0.10";

    [Fact]
    public async Task RouteFetchPurgeRollingAndRegionFailover_WorkEndToEnd()
    {
        using var client = topology.CreateClient();

        // Route: a client of eu-west goes to eu-west first, us-east second.
        var route = await RouteAsync(client, EuWestClient);
        Assert.Equal(["eu-west-pop", "us-east-pop"], route.Select(pop => pop.Id));
        var euWestEdge = route[0].Edge;

        // Fetch: a signed URL through the edge routing names.
        var url = Sign("w:240,f:jpeg", "demo", "photos/flower.jpg");
        using var first = await client.GetAsync(euWestEdge + url);
        using var second = await client.GetAsync(euWestEdge + url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("HIT-MEMORY", Header(second, "X-Cache"));

        // Purge at the control plane reaches the edge: the next request is a miss again.
        using var purge = new HttpRequestMessage(HttpMethod.Post, $"{topology.ControlPlane}/v1/purge")
        {
            Content = JsonContent.Create(new { tenant = "demo", path = "photos/flower.jpg" }),
        };
        purge.Headers.Authorization = new("Bearer", topology.Secret("control-plane-admin-key"));
        using var purged = await client.SendAsync(purge);
        Assert.True(purged.IsSuccessStatusCode, $"purge answered {(int)purged.StatusCode}");
        await Eventually.ValueAsync(
            async () =>
            {
                using var after = await client.GetAsync(euWestEdge + url);
                return $"{(int)after.StatusCode} {Header(after, "X-Cache")}";
            },
            answer => answer == "200 MISS",
            TimeSpan.FromSeconds(20), "the purge reaching the edge", TimeSpan.FromMilliseconds(100));

        // Rolling: every edge replaced one at a time while clients of both regions keep asking; deploy.ps1 fails
        // the roll (non-zero exit) on any failed request.
        await topology.DeployAsync("rolling");

        // Region failover: eu-west goes dark a quarter into the drill and stays dark until its traffic ends. Meanwhile
        // its clients are routed to us-east, where the image loads. The drill's own time bound is off (a loaded test
        // machine says nothing about speed): it still fails on any request that fails once routing has moved.
        await using var drill = topology.StartDeploy("drill", "region-outage", "-Region", "eu-west", "-DrillSeconds", "12", "-ExclusionPromise", "0");
        await Eventually.WaitAsync(async () => !await AnswersAsync(client, euWestEdge), TimeSpan.FromSeconds(60), "the drill killing eu-west's edge", TimeSpan.FromMilliseconds(100));
        var failover = await Eventually.ValueAsync(
            () => RouteAsync(client, EuWestClient),
            pops => pops.Count > 0 && pops[0].Id == "us-east-pop",
            TimeSpan.FromSeconds(30), "eu-west's clients routed to us-east", TimeSpan.FromMilliseconds(100));
        using var fromFailover = await client.GetAsync(failover[0].Edge + url);
        Assert.Equal(HttpStatusCode.OK, fromFailover.StatusCode);
        Assert.False(await AnswersAsync(client, euWestEdge), "eu-west was back before the failover fetch was checked: it did not happen during the outage");

        await SmallTopology.WaitAsync(drill, "drill region-outage");
        var after = await RouteAsync(client, EuWestClient);
        Assert.Equal("eu-west-pop", after[0].Id);
    }

    [Fact]
    public async Task SecondTenant_FirstTenantsSigningKeyAndScopedAdminKey_ReachNothingOfIt()
    {
        // Tenant A is the demo tenant up seeds, with the signing key up binds to it. Tenant B is made here through the
        // admin APIs, with the platform's credentials read from run/secrets/ (never from a command line): B at the
        // origin with an original of its own, and a signing key bound to B alone at the control plane.
        using var client = topology.CreateClient();
        var platformKey = topology.Secret("control-plane-admin-key");
        var origin = $"https://127.0.0.1:{topology.BasePort + 100}"; // the tenants' listener: HTTPS and API keys
        using var createTenant = Bearer(HttpMethod.Post, $"{origin}/v1/admin/tenants/{TenantB}/keys", topology.Secret("origin-admin-token"));
        using var tenantCreated = await client.SendAsync(createTenant);
        Assert.Equal(HttpStatusCode.Created, tenantCreated.StatusCode);
        var tenantBApiKey = (await tenantCreated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var upload = Bearer(HttpMethod.Put, $"{origin}/v1/{TenantB}/contracts/q3.png", tenantBApiKey);
        upload.Content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "edge", "originals", "demo", "graphics", "cutout.png")));
        upload.Content.Headers.ContentType = new("application/octet-stream");
        using var uploaded = await client.SendAsync(upload);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);

        using var createKey = Bearer(HttpMethod.Post, $"{topology.ControlPlane}/v1/keys", platformKey);
        createKey.Content = JsonContent.Create(new { kid = "tenantb", tenants = new[] { TenantB } });
        using var keyCreated = await client.SendAsync(createKey);
        Assert.Equal(HttpStatusCode.Created, keyCreated.StatusCode);
        var tenantBSecret = (await keyCreated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;

        // B's own key reads B's original through every edge (so the refusals below are about the key, not a missing
        // image), and leaves the variant in each edge's memory.
        var ownUrl = Sign("tenantb", tenantBSecret, "w:64,f:png", TenantB, "contracts/q3.png");
        foreach (var edge in EdgeAddresses())
        {
            await Eventually.ValueAsync(
                async () =>
                {
                    using var own = await client.GetAsync(edge + ownUrl);
                    return (int)own.StatusCode;
                },
                status => status == 200,
                TimeSpan.FromSeconds(30), $"B's new key verifying on {edge}", TimeSpan.FromMilliseconds(100));
            Assert.Equal("HIT-MEMORY", await CacheTierAsync(client, edge + ownUrl));
        }

        // A's key, with a valid MAC, on B's original: 403 "key not valid for this tenant" on every edge of every
        // region, for the cached variant and for one never made (decided before any cache lookup or fetch).
        foreach (var edge in EdgeAddresses())
        {
            foreach (var options in new[] { "w:64,f:png", "w:65,f:png" })
            {
                using var stolen = await client.GetAsync(edge + Sign(SmallTopology.SigningKeyId, topology.Secret("signing-key"), options, TenantB, "contracts/q3.png"));
                Assert.Equal(HttpStatusCode.Forbidden, stolen.StatusCode);
                Assert.Contains("not valid for this tenant", await stolen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        // A's admin key, limited to A with the purge scope: 403 on B's original, folder and whole tenant.
        using var createAdmin = Bearer(HttpMethod.Post, $"{topology.ControlPlane}/v1/admin-keys", platformKey);
        createAdmin.Content = JsonContent.Create(new { name = "demo-purger", scopes = new[] { "purge" }, tenants = new[] { "demo" } });
        using var adminCreated = await client.SendAsync(createAdmin);
        Assert.Equal(HttpStatusCode.Created, adminCreated.StatusCode);
        var tenantAAdminKey = (await adminCreated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        foreach (var target in new object[] { new { tenant = TenantB, path = "contracts/q3.png" }, new { tenant = TenantB, prefix = "contracts/" }, new { tenant = TenantB } })
        {
            using var purge = Bearer(HttpMethod.Post, $"{topology.ControlPlane}/v1/purge", tenantAAdminKey);
            purge.Content = JsonContent.Create(target);
            using var refused = await client.SendAsync(purge);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // The same key purges A, and that purge reaches every edge. Purge events apply in commit order, so once A's has
        // arrived any purge of B would have too: B's variant still being a memory hit means none was committed.
        var demoUrl = Sign(SmallTopology.SigningKeyId, topology.Secret("signing-key"), "w:96,f:jpeg", "demo", "photos/rose.jpg");
        foreach (var edge in EdgeAddresses())
        {
            Assert.Equal("MISS", await CacheTierAsync(client, edge + demoUrl, expectHit: false));
        }

        using var ownPurge = Bearer(HttpMethod.Post, $"{topology.ControlPlane}/v1/purge", tenantAAdminKey);
        ownPurge.Content = JsonContent.Create(new { tenant = "demo", path = "photos/rose.jpg" });
        using var accepted = await client.SendAsync(ownPurge);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        foreach (var edge in EdgeAddresses())
        {
            await Eventually.ValueAsync(
                async () =>
                {
                    using var after = await client.GetAsync(edge + demoUrl);
                    return Header(after, "X-Cache");
                },
                tier => tier == "MISS",
                TimeSpan.FromSeconds(20), $"A's purge reaching {edge}", TimeSpan.FromMilliseconds(100));
            using var stillCached = await client.GetAsync(edge + ownUrl);
            Assert.Equal(HttpStatusCode.OK, stillCached.StatusCode);
            Assert.Equal("HIT-MEMORY", Header(stillCached, "X-Cache"));
        }
    }

    private const string TenantB = "tenantb";

    /// <summary>Every edge of the small topology: one per region.</summary>
    private string[] EdgeAddresses() => [$"https://127.0.0.1:{topology.BasePort + 51}", $"https://127.0.0.1:{topology.BasePort + 61}"];

    /// <summary>Asks for <paramref name="url"/> (twice unless <paramref name="expectHit"/> is false: the second answer's tier); 200 required.</summary>
    private static async Task<string> CacheTierAsync(HttpClient client, string url, bool expectHit = true)
    {
        using var first = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        if (!expectHit)
        {
            return Header(first, "X-Cache");
        }

        using var second = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        return Header(second, "X-Cache");
    }

    private static HttpRequestMessage Bearer(HttpMethod method, string url, string token)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // deploy.ps1 runs on Linux: setsid, /proc, file modes
    public async Task StartedProcesses_CommandLines_CarryNoValueFromRunSecrets()
    {
        // One file per secret, readable by its owner alone.
        var files = Directory.GetFiles(topology.SecretsDir);
        Assert.Superset(
            new HashSet<string> { "signing-key", "origin-admin-token", "origin-edge-credential", "control-plane-master-key", "control-plane-admin-key", "tenant-api-key" },
            files.Select(file => Path.GetFileName(file)).ToHashSet());
        Assert.All(files, file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)));
        var secrets = files.Select(file => File.ReadAllText(file).Trim()).Where(value => value.Length > 0).ToList();
        Assert.Equal(files.Length, secrets.Count);

        // The services have them nonetheless: the edge verifies with the signing key, the control plane knows its admin key.
        using var client = topology.CreateClient();
        var edge = (await RouteAsync(client, EuWestClient))[0].Edge;
        using var image = await client.GetAsync(edge + Sign("w:120,f:jpeg", "demo", "photos/flower.jpg"));
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        using var health = new HttpRequestMessage(HttpMethod.Get, $"{topology.ControlPlane}/v1/health");
        health.Headers.Authorization = new("Bearer", topology.Secret("control-plane-admin-key"));
        using var answered = await client.SendAsync(health);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);

        // Every process the topology started, and every process below those, shows none of them in /proc/PID/cmdline,
        // which any local user may read.
        var processes = DescendantsOf(topology.RecordedPids());
        Assert.True(processes.Count >= 10, $"expected the topology's ten processes at least, found {processes.Count}");
        Assert.All(processes, pid =>
        {
            var commandLine = CommandLine(pid);
            Assert.DoesNotContain(secrets, secret => commandLine.Contains(secret, StringComparison.Ordinal));
        });
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Stores_RefusePlaintextStrangersAndEdgesOutOfTheirRole()
    {
        var pki = Path.Combine(topology.RunDir, "pki");
        var ca = Path.Combine(pki, "ca.crt");
        var redisPort = topology.BasePort + 50;

        // Plaintext to every etcd client and peer port and to each region's Redis: no answer but a failed handshake.
        foreach (var port in StorePorts())
        {
            Assert.DoesNotContain("PONG", await PlaintextReplyAsync(port, "*1\r\n$4\r\nPING\r\n"), StringComparison.Ordinal);
        }

        // Plaintext to each PostgreSQL member: a startup message without SSLRequest is answered with an error (hostssl
        // only), never an authentication request ('R') that would mean a clear-text session could log in.
        foreach (var port in new[] { topology.BasePort + 20, topology.BasePort + 21 })
        {
            var reply = await PlaintextReplyAsync(port, PostgresStartup("postgres", "postgres"));
            Assert.True(reply.StartsWith('E') && reply.Contains("no encryption", StringComparison.Ordinal), $"PostgreSQL on {port} answered a clear-text startup with: {reply}");
        }

        // Redis over TLS without the region's credentials: nothing but AUTH; another region's credentials: refused;
        // the region's own (positive control): the read is served.
        const string get = "*2\r\n$3\r\nGET\r\n$6\r\nedge:x\r\n";
        Assert.StartsWith("-NOAUTH", (await TlsRedisRepliesAsync(redisPort, ca, get))[0], StringComparison.Ordinal);
        var otherRegion = await TlsRedisRepliesAsync(redisPort, ca, RedisAuth("edge-eu-west", topology.Secret("redis-eu-west-password")), get);
        Assert.StartsWith("-WRONGPASS", otherRegion[0], StringComparison.Ordinal);
        Assert.StartsWith("-NOAUTH", otherRegion[1], StringComparison.Ordinal);
        var ownRegion = await TlsRedisRepliesAsync(redisPort, ca, RedisAuth("edge-us-east", topology.Secret("redis-us-east-password")), get);
        Assert.Equal(["+OK\r\n", "$-1\r\n"], ownRegion);

        // etcd as an edge (its own certificate from run/pki/etcd): a tenant, a signing key, an admin key are refused.
        var endpoints = new[] { new Uri($"https://127.0.0.1:{topology.BasePort}") };
        var edgeUser = Path.Combine(pki, "etcd", "edge.us-east-pop.edge-us-east-0");
        var edgeTls = new EdgeImages.Etcd.Security.EtcdTlsSettings(ca, edgeUser + ".crt", edgeUser + ".key");
        using var edge = new EdgeImages.Etcd.EtcdGateway(() => new EdgeImages.Etcd.EtcdConnectionSettings(endpoints, TimeSpan.FromSeconds(5), edgeTls), TimeProvider.System);
        var value = Google.Protobuf.ByteString.CopyFromUtf8("{}");
        foreach (var key in new[] { "/edgeimages/tenants/demo", "/edgeimages/keys/deploy", "/edgeimages/admin-keys/mine" })
        {
            var denied = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => edge.PutAsync(key, value, 0, CancellationToken.None));
            Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, denied.StatusCode);
        }

        // A certificate of another CA, with the control plane's name: refused at the handshake.
        using var stranger = EdgeImages.Testing.Tls.TestCertificateAuthority.Create("Not the deployment's CA");
        var folder = Directory.CreateTempSubdirectory("edgeimages-stranger-").FullName;
        try
        {
            var files = EdgeImages.Testing.Tls.PemFiles.Write(stranger.IssueClient("control-plane"), folder, "control-plane");
            var strangerTls = new EdgeImages.Etcd.Security.EtcdTlsSettings(ca, files.CertificatePath, files.KeyPath);
            using var impostor = new EdgeImages.Etcd.EtcdGateway(() => new EdgeImages.Etcd.EtcdConnectionSettings(endpoints, TimeSpan.FromSeconds(3), strangerTls), TimeProvider.System);
            await Assert.ThrowsAsync<EdgeImages.Etcd.EtcdUnavailableException>(() => impostor.PutAsync("/edgeimages/tenants/demo", value, 0, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<string> PlaintextReplyAsync(int port, string request) => PlaintextReplyAsync(port, Encoding.ASCII.GetBytes(request));

    private static async Task<string> PlaintextReplyAsync(int port, byte[] request)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(request);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[512];
        try
        {
            var read = await stream.ReadAsync(buffer, guard.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (IOException)
        {
            return ""; // reset by the server
        }
    }

    /// <summary>Each request's reply, in order, on one TLS connection to a Redis (the replies here fit one read each).</summary>
    private static async Task<List<string>> TlsRedisRepliesAsync(int port, string caFile, params string[] requests)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new System.Net.Security.SslStream(client.GetStream());
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "127.0.0.1", CertificateChainPolicy = ChainPolicy(caFile) });
        var replies = new List<string>();
        var buffer = new byte[512];
        foreach (var request in requests)
        {
            await tls.WriteAsync(Encoding.ASCII.GetBytes(request));
            var read = await tls.ReadAsync(buffer);
            replies.Add(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return replies;
    }

    private static string RedisAuth(string user, string password) =>
        $"*3\r\n$4\r\nAUTH\r\n${user.Length}\r\n{user}\r\n${password.Length}\r\n{password}\r\n";

    /// <summary>A PostgreSQL v3 StartupMessage, sent in the clear (no SSLRequest first).</summary>
    private static byte[] PostgresStartup(string user, string database)
    {
        var body = Encoding.ASCII.GetBytes($"user\0{user}\0database\0{database}\0\0");
        var message = new byte[8 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), 196608); // protocol 3.0
        body.CopyTo(message, 8);
        return message;
    }

    private static System.Security.Cryptography.X509Certificates.X509ChainPolicy ChainPolicy(string caFile)
    {
        var policy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.ImportFromPemFile(caFile);
        return policy;
    }

    /// <summary>The stores' TLS listeners: each etcd member's client and peer port, each region's Redis.</summary>
    private int[] StorePorts() =>
        [topology.BasePort, topology.BasePort + 1, topology.BasePort + 2, topology.BasePort + 10, topology.BasePort + 11, topology.BasePort + 12,
            topology.BasePort + 50, topology.BasePort + 60];

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Transport_EveryServiceListener_TlsOnlyFromTheDeploymentCa_AndRotateCertsUnderTraffic()
    {
        int[] edges = [topology.BasePort + 51, topology.BasePort + 61];
        int[] servicePorts = [.. edges, topology.BasePort + 40, topology.BasePort + 30, topology.BasePort + 100];
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var port in servicePorts)
        {
            // The same port in the clear: the handshake fails, nothing is served.
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz")));
        }

        // The origin's edges' listener: no client certificate, or one from another CA, is refused at the handshake.
        var originEdges = new Uri($"https://127.0.0.1:{topology.BasePort + 30}/healthz");
        using (var noCertificate = topology.CreateClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => noCertificate.GetAsync(originEdges));
        }

        using (var stranger = TestCertificateAuthority.Create("Not the deployment CA"))
        using (var strangerCertificate = stranger.IssueClient("edge-eu-west-0"))
        {
            var files = PemFiles.Write(strangerCertificate, Path.Combine(topology.RunDir, "stranger"), "edge-eu-west-0");
            using var foreign = topology.CreateClient(files);
            await Assert.ThrowsAsync<HttpRequestException>(() => foreign.GetAsync(originEdges));
        }

        // Keys under run/pki/ are the owner's alone, and no command line carries their contents (paths only).
        var keys = Directory.GetFiles(Path.Combine(topology.RunDir, "pki"), "*.key");
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key)));
        var keyLines = keys.SelectMany(key => File.ReadAllLines(key).Where(line => line.Length > 20 && !line.StartsWith("-----", StringComparison.Ordinal))).ToList();
        Assert.All(DescendantsOf(topology.RecordedPids()), pid => Assert.DoesNotContain(keyLines, line => CommandLine(pid).Contains(line, StringComparison.Ordinal)));

        // Each service exports its certificate's expiry.
        using var client = topology.CreateClient();
        var metrics = PrometheusText.Parse(await client.GetStringAsync(new Uri($"https://127.0.0.1:{edges[0]}/metrics")));
        Assert.NotNull(metrics.ValueOf("edgeimages_tls_certificate_expiry_timestamp_seconds", ("certificate", "server")));

        // rotate-certs: every certificate reissued under traffic from both regions, the services' and the stores' (each
        // etcd member's client and peer listener, each Redis); deploy.ps1 exits non-zero on any failed request or any
        // listener still presenting its old certificate.
        var before = await SerialsAsync(edges);
        var storesBefore = new Dictionary<int, System.Security.Cryptography.X509Certificates.X509Certificate2>();
        foreach (var port in StorePorts())
        {
            storesBefore[port] = await PresentedCertificateAsync(port);
        }

        var edgeEtcdSerial = SerialOf(EdgeEtcdUser + ".crt");
        await topology.DeployAsync("rotate-certs");
        var after = await SerialsAsync(edges);
        Assert.All(edges, port => Assert.NotEqual(before[port], after[port]));

        // Each store now presents, on a new handshake, the certificate its files on disk hold: a new serial, expiring no
        // sooner than the old one, from the same CA (the handshake checked the chain).
        var onDisk = Directory.GetFiles(Path.Combine(topology.RunDir, "pki"), "*.crt", SearchOption.AllDirectories)
            .Select(file => System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(file)))
            .ToDictionary(certificate => certificate.SerialNumber);
        foreach (var port in StorePorts())
        {
            using var presented = await PresentedCertificateAsync(port);
            Assert.NotEqual(storesBefore[port].SerialNumber, presented.SerialNumber);
            Assert.True(presented.NotAfter >= storesBefore[port].NotAfter, $"port {port}: the new certificate expires before the old one");
            Assert.True(onDisk.TryGetValue(presented.SerialNumber, out var file), $"port {port} presents {presented.SerialNumber}, which no file under run/pki holds");
            Assert.Equal(file.NotAfter, presented.NotAfter);
            storesBefore[port].Dispose();
        }

        // The edges' etcd identities were reissued too (same name, new key pair) and still pass etcd's RBAC: a read of
        // the configuration it may read succeeds with the new files.
        Assert.NotEqual(edgeEtcdSerial, SerialOf(EdgeEtcdUser + ".crt"));
        var edgeTls = new EdgeImages.Etcd.Security.EtcdTlsSettings(CaPath, EdgeEtcdUser + ".crt", EdgeEtcdUser + ".key");
        using var edgeEtcd = new EdgeImages.Etcd.EtcdGateway(
            () => new EdgeImages.Etcd.EtcdConnectionSettings([new Uri($"https://127.0.0.1:{topology.BasePort}")], TimeSpan.FromSeconds(5), edgeTls), TimeProvider.System);
        await edgeEtcd.RangeAsync("/edgeimages/tenants/", CancellationToken.None);
        foreach (var disposable in onDisk.Values)
        {
            disposable.Dispose();
        }
    }

    private string CaPath => Path.Combine(topology.RunDir, "pki", "ca.crt");

    /// <summary>us-east's edge as etcd knows it: its client certificate's common name is its etcd user.</summary>
    private string EdgeEtcdUser => Path.Combine(topology.RunDir, "pki", "etcd", "edge.us-east-pop.edge-us-east-0");

    private static string SerialOf(string certificateFile)
    {
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(certificateFile));
        return certificate.SerialNumber;
    }

    /// <summary>The certificate a TLS listener presents on a new handshake (as deploy's operator, whose client certificate etcd demands).</summary>
    private async Task<System.Security.Cryptography.X509Certificates.X509Certificate2> PresentedCertificateAsync(int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new System.Net.Security.SslStream(client.GetStream());
        var pki = Path.Combine(topology.RunDir, "pki");
        using var operatorCertificate = new PemFiles(Path.Combine(pki, "deploy-operator.crt"), Path.Combine(pki, "deploy-operator.key")).Load();
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = ChainPolicy(CaPath),
            ClientCertificates = [operatorCertificate],
        });
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }

    /// <summary>The serial each port presents on a new connection.</summary>
    private async Task<Dictionary<int, string>> SerialsAsync(IEnumerable<int> ports)
    {
        var serials = new Dictionary<int, string>();
        foreach (var port in ports)
        {
            string? serial = null;
            using var client = topology.CreateClient(onServerCertificate: certificate => serial = certificate.SerialNumber);
            using var response = await client.GetAsync(new Uri($"https://127.0.0.1:{port}/healthz"));
            serials[port] = serial ?? throw new InvalidOperationException($"no certificate seen on {port}");
        }

        return serials;
    }

    /// <summary>The given PIDs that still run, with every process below them.</summary>
    private static HashSet<int> DescendantsOf(IEnumerable<int> roots)
    {
        var parents = new Dictionary<int, int>();
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid) && TryReadStat(pid) is { } stat)
            {
                // Fields after the ") " that closes the command name: state, then the parent's PID.
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var found = roots.Where(SmallTopology.IsAlive).ToHashSet();
        for (var grew = true; grew;)
        {
            var children = parents.Where(p => found.Contains(p.Value) && !found.Contains(p.Key)).Select(p => p.Key).ToList();
            found.UnionWith(children);
            grew = children.Count > 0;
        }

        return found;
    }

    private static string? TryReadStat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // it ended meanwhile
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient client, string edge)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var response = await client.GetAsync(edge + "/healthz", cancel.Token);
            return true;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<List<(string Id, string Edge)>> RouteAsync(HttpClient client, string ip)
    {
        var body = await client.GetFromJsonAsync<JsonElement>($"{topology.ControlPlane}/v1/route?ip={ip}");
        return body.GetProperty("pops").EnumerateArray()
            .Select(pop => (pop.GetProperty("id").GetString()!, pop.GetProperty("edges")[0].GetProperty("address").GetString()!.TrimEnd('/')))
            .ToList();
    }

    private string Sign(string options, string tenant, string path) => Sign(SmallTopology.SigningKeyId, topology.Secret("signing-key"), options, tenant, path);

    private static string Sign(string kid, string secretHex, string options, string tenant, string path)
    {
        var message = $"/{options}/{tenant}/{path}";
        var mac = HMACSHA256.HashData(Convert.FromHexString(secretHex), Encoding.UTF8.GetBytes(message));
        return $"/{kid}.{Convert.ToBase64String(mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_')}{message}";
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";
}
