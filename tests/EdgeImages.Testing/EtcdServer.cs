using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Security;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Testing;

/// <summary>
/// One real etcd member (the Debian package etcd-server, v3 API) with its client and peer URLs on free ports of
/// 127.0.0.1 and its data in a temp folder. Members are started by <see cref="EtcdCluster"/>, which knows the
/// whole <c>--initial-cluster</c>; a killed member comes back on the same ports and data. A secure member (see
/// <see cref="EtcdCluster.StartSecureAsync"/>) serves clients and peers over TLS only, with client certificates required
/// on both (<c>--client-cert-auth</c>, <c>--peer-client-cert-auth</c>) and the deployment CA as the only trust.
/// </summary>
public sealed class EtcdServer : LoopbackServer
{
    public const string Binary = "/usr/bin/etcd";

    private static readonly HttpClient PlainProbe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly MemberTls? _tls;
    private readonly HttpClient _probe;
    private string _initialCluster = "";
    private string _clusterToken = "";

    private EtcdServer(string name, MemberTls? tls)
        : base("etcd")
    {
        Name = name;
        PeerPort = FreePort.Next();
        _tls = tls;
        _probe = tls is null ? PlainProbe : tls.Probe;
    }

    public string Name { get; }

    public int PeerPort { get; }

    private string Scheme => _tls is null ? "http" : "https";

    public string ClientUrl => $"{Scheme}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string PeerUrl => $"{Scheme}://{Host}:{PeerPort.ToString(CultureInfo.InvariantCulture)}";

    internal static EtcdServer Create(string name, MemberTls? tls = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./test.sh, which installs the Debian package etcd-server.");
        }

        return new EtcdServer(name, tls);
    }

    internal Task StartAsync(string initialCluster, string clusterToken, CancellationToken cancellationToken)
    {
        _initialCluster = initialCluster;
        _clusterToken = clusterToken;
        return LaunchAsync(cancellationToken);
    }

    protected override ProcessHandle StartProcess() => ProcessHandle.Start(Binary,
    [
        "--name", Name,
        "--data-dir", Path.Combine(Folder, "data"),
        "--listen-client-urls", ClientUrl,
        "--advertise-client-urls", ClientUrl,
        "--listen-peer-urls", PeerUrl,
        "--initial-advertise-peer-urls", PeerUrl,
        "--initial-cluster", _initialCluster,
        "--initial-cluster-token", _clusterToken,
        // "new" on a data dir that already holds the member is ignored by etcd, so a restart after a kill works too.
        "--initial-cluster-state", "new",
        // Fast elections on loopback: a killed leader is replaced in about a second instead of several.
        "--heartbeat-interval", "100",
        "--election-timeout", "1000",
        "--log-level", "warn",
        "--logger", "zap",
        .. TlsArguments(),
    ]);

    private string[] TlsArguments() => _tls is null ? [] :
    [
        // Clients: TLS with a certificate of the deployment CA required; with auth enabled its CN is the etcd user.
        "--cert-file", _tls.Member.CertificatePath,
        "--key-file", _tls.Member.KeyPath,
        "--client-cert-auth",
        "--trusted-ca-file", _tls.CaCertificatePath,
        // Peers: the same, between members.
        "--peer-cert-file", _tls.Member.CertificatePath,
        "--peer-key-file", _tls.Member.KeyPath,
        "--peer-client-cert-auth",
        "--peer-trusted-ca-file", _tls.CaCertificatePath,
    ];

    /// <summary>
    /// Ready when the member answers /health. A lone member of a new three-member cluster has no quorum and
    /// answers unhealthy until a second one starts, so only "answers at all" is asked here; the cluster waits for health.
    /// </summary>
    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var response = await _probe.GetAsync(new Uri(ClientUrl + "/health"), cancellationToken);
        return (int)response.StatusCode is >= 200 and < 600;
    }

    /// <summary>True when this member is the cluster's Raft leader (asked through etcd's JSON gateway, no client package needed).</summary>
    public async Task<bool> IsLeaderAsync(CancellationToken cancellationToken = default)
    {
        using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var response = await _probe.PostAsync(new Uri(ClientUrl + "/v3/maintenance/status"), content, cancellationToken);
        using var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var leader = status.RootElement.GetProperty("leader").GetString();
        var self = status.RootElement.GetProperty("header").GetProperty("member_id").GetString();
        return leader is not null && leader == self;
    }

    /// <summary>True when the member answers /health with health "true" (it has a leader and a quorum).</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var body = await _probe.GetStringAsync(new Uri(ClientUrl + "/health"), cancellationToken);
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>A secure member's certificate (server and client: peers dial each other with it) and the cluster's probe client.</summary>
internal sealed record MemberTls(PemFiles Member, string CaCertificatePath, HttpClient Probe);

/// <summary>
/// A real etcd cluster of three members on loopback. Tests kill (SIGKILL) or pause (SIGSTOP) members and start them
/// again: one member down leaves a quorum, two down leave none.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private readonly TestPki? _pki;
    private readonly HttpClient? _probe;
    private readonly Dictionary<string, EtcdTlsSettings> _identities = new(StringComparer.Ordinal);
    private EtcdGateway? _root;

    private EtcdCluster(IReadOnlyList<EtcdServer> members, TestPki? pki = null, HttpClient? probe = null)
    {
        Members = members;
        _pki = pki;
        _probe = probe;
    }

    public IReadOnlyList<EtcdServer> Members { get; }

    public bool IsSecure => _pki is not null;

    /// <summary>Users, roles and passwords, as etcd's root (secure clusters only, after <see cref="StartSecureAsync"/> enabled auth).</summary>
    public EtcdAccessControl AccessControl => new(_root ?? throw new InvalidOperationException("This etcd cluster was started plain; use StartSecureAsync."));

    /// <summary>
    /// The TLS settings of a client whose certificate names <paramref name="user"/> (its CN, which etcd takes as the
    /// etcd user): the deployment CA pinned, a client certificate from that CA. Made once per user.
    /// </summary>
    public EtcdTlsSettings ClientTls(string user)
    {
        var pki = _pki ?? throw new InvalidOperationException("This etcd cluster was started plain; use StartSecureAsync.");
        lock (_identities)
        {
            if (!_identities.TryGetValue(user, out var tls))
            {
                var files = pki.IssueClient(user);
                _identities[user] = tls = new EtcdTlsSettings(pki.CaCertificatePath, files.CertificatePath, files.KeyPath);
            }

            return tls;
        }
    }

    /// <summary>
    /// A client certificate for the JSON gateway (Patroni's way in): from the deployment CA, with no common name. With
    /// client-cert-auth and RBAC on, etcd refuses a gateway request whose certificate names anyone (the name could not
    /// be carried through the gateway); such a client proves who it is with a user and password instead.
    /// </summary>
    public PemFiles GatewayClientCertificate()
    {
        var pki = _pki ?? throw new InvalidOperationException("This etcd cluster was started plain; use StartSecureAsync.");
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("O=EdgeImages etcd gateway client"), key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(pki.Authority.Certificate, now.AddMinutes(-5), now.AddDays(1), System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using var withKey = issued.CopyWithPrivateKey(key);
        return PemFiles.Write(withKey, pki.Directory, "etcd-gateway-client-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>A gateway to this cluster as <paramref name="user"/> (secure clusters), or plain.</summary>
    public EtcdGateway Connect(string? user = null, TimeSpan? requestTimeout = null) =>
        new(() => new EtcdConnectionSettings(
            [.. Members.Select(m => new Uri(m.ClientUrl))], requestTimeout ?? TimeSpan.FromSeconds(5), user is null ? null : ClientTls(user)), TimeProvider.System);

    /// <summary>
    /// Three members as the deployed topology runs them: TLS for clients and peers, client certificates required, the
    /// CA of <paramref name="pki"/> the only trust, and etcd's RBAC on: a root user (client certificate CN=root) made
    /// and <c>auth enable</c> run, so every other identity can do only what a role granted it
    /// (<see cref="AccessControl"/> grants them; <see cref="EtcdRoles"/> says what each service's role holds).
    /// </summary>
    public static async Task<EtcdCluster> StartSecureAsync(TestPki pki, int size = 3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pki);
        // The probe's name is no etcd user: with auth on, /health and status need no permission.
        var probeFiles = pki.IssueClient("etcd-test-probe");
        var probe = ProbeClient(pki.CaCertificatePath, probeFiles);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var members = Enumerable.Range(0, size).Select(i =>
        {
            using var certificate = pki.Authority.IssueServerAndClient($"etcd-m{i}-{suffix}");
            var files = PemFiles.Write(certificate, pki.Directory, $"etcd-m{i}-{suffix}");
            return EtcdServer.Create($"m{i}", new MemberTls(files, pki.CaCertificatePath, probe));
        }).ToList();
        var cluster = new EtcdCluster(members, pki, probe);
        try
        {
            await cluster.StartMembersAsync(cancellationToken);
            cluster._root = cluster.Connect(EtcdRoles.Root);
            await cluster.AccessControl.EnableAsync(rootPassword: null, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static HttpClient ProbeClient(string caPath, PemFiles identity)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(caPath);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = policy,
                ClientCertificates = [identity.Load()],
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
    }

    private async Task StartMembersAsync(CancellationToken cancellationToken)
    {
        var initial = string.Join(',', Members.Select(m => $"{m.Name}={m.PeerUrl}"));
        var token = "edgeimages-" + Guid.NewGuid().ToString("N")[..8];
        await Task.WhenAll(Members.Select(m => m.StartAsync(initial, token, cancellationToken)));
        await WaitHealthyAsync(cancellationToken);
    }

    /// <summary>Every member's client URL, comma-separated: what <c>Etcd:Endpoints</c> and <c>ControlPlane:Etcd</c> take.</summary>
    public string Endpoints => string.Join(',', Members.Select(m => m.ClientUrl));

    public static async Task<EtcdCluster> StartAsync(int size = 3, CancellationToken cancellationToken = default)
    {
        var members = Enumerable.Range(0, size).Select(i => EtcdServer.Create($"m{i}")).ToList();
        var cluster = new EtcdCluster(members);
        try
        {
            await cluster.StartMembersAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every running member reports a leader and a quorum.</summary>
    public async Task WaitHealthyAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var healthy = await Task.WhenAll(Members.Select(m => m.IsHealthyAsync(timeout.Token)));
            if (healthy.Count(h => h) > Members.Count / 2)
            {
                return;
            }

            try
            {
                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("The etcd cluster did not become healthy within 30 s:\n" + string.Join("\n---\n", Members.Select(m => m.Output)));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _root?.Dispose();
        foreach (var member in Members)
        {
            await member.DisposeAsync();
        }

        _probe?.Dispose();
    }
}
