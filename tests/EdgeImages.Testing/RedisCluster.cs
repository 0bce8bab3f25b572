using System.Diagnostics;
using System.Globalization;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Testing;

/// <summary>
/// A real Redis Cluster from Debian's redis-server on 127.0.0.1: three primaries, each with one replica, made with
/// <c>redis-cli --cluster create … --cluster-replicas 1</c>, secured as the deployed single Redis is (TLS only, also
/// on the cluster bus and for replication; the default user off; one ACL user per region and <c>admin</c>), and
/// with a one-second node timeout so that a killed primary's replica takes over within seconds. No persistence.
/// Starting one takes a few seconds (redis-cli waits for the nodes to meet): share it within a test class.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    public const int PrimaryCount = 3;

    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(30);

    private readonly RedisServer.SecureSetup _secure;
    private readonly List<RedisServer> _nodes;
    private readonly HashSet<RedisServer> _killed = [];

    private RedisCluster(RedisServer.SecureSetup secure, List<RedisServer> nodes)
    {
        _secure = secure;
        _nodes = nodes;
    }

    /// <summary>Every node, primaries and replicas, in the order they were started.</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>
    /// The StackExchange.Redis configuration string: every node's address (the client needs one that answers to learn
    /// the rest; naming all of them lets an edge start while any one is down). No secret in it.
    /// </summary>
    public string Configuration => string.Join(',', _nodes.Select(node => node.Configuration));

    public string CaCertificatePath => _secure.CaCertificatePath;

    public string PasswordOf(string user) => _secure.Passwords[user];

    /// <summary>What an edge of <paramref name="region"/> is configured with to reach this cluster as that region's user.</summary>
    public Dictionary<string, string?> EdgeSettings(string region) => new()
    {
        ["Caching:Redis"] = Configuration,
        ["Caching:RedisCaFile"] = CaCertificatePath,
        ["Caching:RedisUser"] = RedisServer.RegionUser(region),
        ["Caching:RedisPassword"] = PasswordOf(RedisServer.RegionUser(region)),
    };

    /// <summary>Six nodes, TLS and ACL users for <paramref name="regions"/> (as <see cref="RedisServer.StartSecureAsync"/>), joined into one cluster.</summary>
    public static async Task<RedisCluster> StartSecureAsync(TestPki pki, IEnumerable<string> regions, CancellationToken cancellationToken = default)
    {
        var secure = RedisServer.NewSecureSetup(pki, regions, cluster: true);
        var starting = Enumerable.Range(0, PrimaryCount * 2).Select(_ => RedisServer.StartClusterNodeAsync(secure, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var node in starting.Where(task => task.IsCompletedSuccessfully))
            {
                await node.Result.DisposeAsync();
            }

            throw;
        }

        var cluster = new RedisCluster(secure, [.. starting.Select(task => task.Result)]);
        try
        {
            await cluster.CreateAsync(cancellationToken);
            await cluster.WaitHealthyAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The running nodes that are primaries now (a failover changes which).</summary>
    public async Task<IReadOnlyList<RedisServer>> PrimariesAsync(CancellationToken cancellationToken = default)
    {
        var primaries = new List<RedisServer>();
        foreach (var node in Running)
        {
            if ((await node.ReplyAsync(cancellationToken, "ROLE")).Contains("master", StringComparison.Ordinal))
            {
                primaries.Add(node);
            }
        }

        return primaries;
    }

    /// <summary>The running primary that owns <paramref name="key"/>'s slot (the others answer <c>MOVED</c>).</summary>
    public async Task<RedisServer?> PrimaryOfAsync(string key, CancellationToken cancellationToken = default)
    {
        foreach (var primary in await PrimariesAsync(cancellationToken))
        {
            if (!(await primary.CommandAsync(cancellationToken, "EXISTS", key)).StartsWith("-MOVED", StringComparison.Ordinal))
            {
                return primary;
            }
        }

        return null;
    }

    /// <summary>How many keys matching <paramref name="pattern"/> one node holds (a node only holds its own slots' keys).</summary>
    public static async Task<int> KeyCountAsync(RedisServer node, string pattern, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var reply = await node.CommandAsync(cancellationToken, "KEYS", pattern);
        return reply.StartsWith('*') ? int.Parse(reply.AsSpan(1), CultureInfo.InvariantCulture) : throw new InvalidOperationException($"KEYS answered {reply}");
    }

    /// <summary>The names of the keys matching <paramref name="pattern"/> on one node (a short reply: up to 4 KiB).</summary>
    public static async Task<string[]> KeysAsync(RedisServer node, string pattern, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        // "*N", then "$length" and the name for each key.
        var lines = (await node.ReplyAsync(cancellationToken, "KEYS", pattern)).Split("\r\n");
        var count = lines[0].StartsWith('*') ? int.Parse(lines[0].AsSpan(1), CultureInfo.InvariantCulture) : throw new InvalidOperationException($"KEYS answered {lines[0]}");
        return [.. Enumerable.Range(0, count).Select(i => lines[2 + (2 * i)])];
    }

    /// <summary>SIGKILL to one node, as a crashed machine; <see cref="StartAgainAsync"/> brings it back (it rejoins as a replica).</summary>
    public async Task KillAsync(RedisServer node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _killed.Add(node);
        await node.KillAsync();
    }

    public async Task StartAgainAsync(RedisServer node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        await node.StartAgainAsync(cancellationToken);
        _killed.Remove(node);
    }

    /// <summary>
    /// Until every running node sees the cluster as <c>ok</c> and every primary owning slots has a replica streaming
    /// from it: after creation, and after a failover once the old primary is back.
    /// </summary>
    public async Task WaitHealthyAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HealthyTimeout);
        var last = "";
        while (true)
        {
            try
            {
                (var healthy, last) = await IsHealthyAsync(timeout.Token);
                if (healthy)
                {
                    return;
                }

                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The Redis cluster was not healthy within {HealthyTimeout.TotalSeconds} s: {last}\n{string.Join("\n---\n", _nodes.Select(n => n.Output))}");
            }
        }
    }

    private async Task<(bool Healthy, string Why)> IsHealthyAsync(CancellationToken cancellationToken)
    {
        foreach (var node in Running)
        {
            var info = await node.ReplyAsync(cancellationToken, "CLUSTER", "INFO");
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return (false, $"{node.Configuration} is not cluster_state:ok");
            }
        }

        var primaries = await PrimariesAsync(cancellationToken);
        if (primaries.Count < PrimaryCount)
        {
            return (false, $"{primaries.Count} primaries");
        }

        foreach (var primary in primaries)
        {
            var replication = await primary.ReplyAsync(cancellationToken, "INFO", "replication");
            if (!replication.Contains("state=online", StringComparison.Ordinal))
            {
                return (false, $"{primary.Configuration} has no replica online");
            }
        }

        return (true, "");
    }

    private IEnumerable<RedisServer> Running => _nodes.Where(node => !_killed.Contains(node));

    /// <summary>
    /// <c>redis-cli --cluster create</c> over TLS as <see cref="RedisServer.AdminUser"/>, the password in the
    /// environment (REDISCLI_AUTH), never on the command line.
    /// </summary>
    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/usr/bin/redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments = ["--tls", "--cacert", _secure.CaCertificatePath, "--user", RedisServer.AdminUser, "--cluster", "create"];
        foreach (var argument in arguments.Concat(_nodes.Select(node => node.Configuration)).Concat(["--cluster-replicas", "1", "--cluster-yes"]))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["REDISCLI_AUTH"] = PasswordOf(RedisServer.AdminUser);
        using var cli = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HealthyTimeout);
        // Not cancelled with the wait: a killed redis-cli closes them, and what it said explains the failure.
        var output = cli.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = cli.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await cli.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            cli.Kill();
            throw new TimeoutException($"redis-cli --cluster create did not finish within {HealthyTimeout.TotalSeconds} s:\n{await output}\n{await errors}");
        }

        if (cli.ExitCode != 0 || !(await output).Contains("All 16384 slots covered", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed ({cli.ExitCode.ToString(CultureInfo.InvariantCulture)}):\n{await output}\n{await errors}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
