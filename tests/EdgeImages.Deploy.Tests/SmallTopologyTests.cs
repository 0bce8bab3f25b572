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

        // Plaintext to every etcd client port and to a region's Redis: no answer but a failed handshake.
        foreach (var port in new[] { topology.BasePort, topology.BasePort + 1, topology.BasePort + 2, redisPort })
        {
            Assert.DoesNotContain("PONG", await PlaintextReplyAsync(port, "*1\r\n$4\r\nPING\r\n"), StringComparison.Ordinal);
        }

        // Redis over TLS without the region's credentials: nothing but AUTH.
        Assert.StartsWith("-NOAUTH", await TlsRedisReplyAsync(redisPort, ca, "*2\r\n$3\r\nGET\r\n$6\r\nedge:x\r\n"), StringComparison.Ordinal);

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

    private static async Task<string> PlaintextReplyAsync(int port, string request)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
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

    private static async Task<string> TlsRedisReplyAsync(int port, string caFile, string request)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var policy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.ImportFromPemFile(caFile);
        await using var tls = new System.Net.Security.SslStream(client.GetStream());
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "127.0.0.1", CertificateChainPolicy = policy });
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[512];
        var read = await tls.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

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

        // rotate-certs: every certificate reissued under traffic from both regions; deploy.ps1 exits non-zero on any
        // failed request or any service still presenting its old certificate.
        var before = await SerialsAsync(edges);
        await topology.DeployAsync("rotate-certs");
        var after = await SerialsAsync(edges);
        Assert.All(edges, port => Assert.NotEqual(before[port], after[port]));
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

    private string Sign(string options, string tenant, string path)
    {
        var message = $"/{options}/{tenant}/{path}";
        var mac = HMACSHA256.HashData(Convert.FromHexString(topology.Secret("signing-key")), Encoding.UTF8.GetBytes(message));
        return $"/{SmallTopology.SigningKeyId}.{Convert.ToBase64String(mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_')}{message}";
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";
}
