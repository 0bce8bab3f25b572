using System.Globalization;

namespace EdgeImages.Testing;

/// <summary>
/// One real etcd member (the Debian package etcd-server, v3 API) with its client and peer URLs on free ports of
/// 127.0.0.1 and its data in a temp folder. Members are started by <see cref="EtcdCluster"/>, which knows the
/// whole <c>--initial-cluster</c>; a killed member comes back on the same ports and data.
/// </summary>
public sealed class EtcdServer : LoopbackServer
{
    public const string Binary = "/usr/bin/etcd";

    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private string _initialCluster = "";
    private string _clusterToken = "";

    private EtcdServer(string name)
        : base("etcd")
    {
        Name = name;
        PeerPort = FreePort.Next();
    }

    public string Name { get; }

    public int PeerPort { get; }

    public string ClientUrl => $"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string PeerUrl => $"http://{Host}:{PeerPort.ToString(CultureInfo.InvariantCulture)}";

    internal static EtcdServer Create(string name)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./test.sh, which installs the Debian package etcd-server.");
        }

        return new EtcdServer(name);
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
    ]);

    /// <summary>
    /// Ready when the member answers /health. A lone member of a new three-member cluster has no quorum and
    /// answers unhealthy until a second one starts, so only "answers at all" is asked here; the cluster waits for health.
    /// </summary>
    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var response = await Probe.GetAsync(new Uri(ClientUrl + "/health"), cancellationToken);
        return (int)response.StatusCode is >= 200 and < 600;
    }

    /// <summary>True when this member is the cluster's Raft leader (asked through etcd's JSON gateway, no client package needed).</summary>
    public async Task<bool> IsLeaderAsync(CancellationToken cancellationToken = default)
    {
        using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var response = await Probe.PostAsync(new Uri(ClientUrl + "/v3/maintenance/status"), content, cancellationToken);
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
            var body = await Probe.GetStringAsync(new Uri(ClientUrl + "/health"), cancellationToken);
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

/// <summary>
/// A real etcd cluster of three members on loopback. Tests kill (SIGKILL) or pause (SIGSTOP) members and start them
/// again: one member down leaves a quorum, two down leave none.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private EtcdCluster(IReadOnlyList<EtcdServer> members) => Members = members;

    public IReadOnlyList<EtcdServer> Members { get; }

    /// <summary>Every member's client URL, comma-separated: what <c>Etcd:Endpoints</c> and <c>ControlPlane:Etcd</c> take.</summary>
    public string Endpoints => string.Join(',', Members.Select(m => m.ClientUrl));

    public static async Task<EtcdCluster> StartAsync(int size = 3, CancellationToken cancellationToken = default)
    {
        var members = Enumerable.Range(0, size).Select(i => EtcdServer.Create($"m{i}")).ToList();
        var cluster = new EtcdCluster(members);
        try
        {
            var initial = string.Join(',', members.Select(m => $"{m.Name}={m.PeerUrl}"));
            var token = "edgeimages-" + Guid.NewGuid().ToString("N")[..8];
            await Task.WhenAll(members.Select(m => m.StartAsync(initial, token, cancellationToken)));
            await cluster.WaitHealthyAsync(cancellationToken);
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
        foreach (var member in Members)
        {
            await member.DisposeAsync();
        }
    }
}
