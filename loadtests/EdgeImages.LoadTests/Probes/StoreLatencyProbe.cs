using System.Diagnostics;
using System.Globalization;
using System.Security.Authentication;
using System.Text.Json;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Security;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;
using Google.Protobuf;
using StackExchange.Redis;

namespace EdgeImages.LoadTests.Probes;

/// <summary>
/// What TLS and authentication cost the calls to the stores: the same calls, one at a time, against a plain Redis and a
/// TLS + ACL one (as the edge's client is configured: pinned CA, region user), and against a plain three-member etcd
/// and a TLS + client-certificate + RBAC one (as an edge's etcd user). Steady state on one open connection, as the
/// services run; the handshake itself is paid once per connection and printed apart.
/// </summary>
internal static class StoreLatencyProbe
{
    private const string Region = "bench";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task RunAsync(int calls, string outFile, TextWriter log)
    {
        using var pki = new TestPki();
        var value = new byte[30 * 1024];
        Random.Shared.NextBytes(value);
        var results = new Dictionary<string, object>();

        await using (var plain = await RedisServer.StartAsync())
        await using (var secure = await RedisServer.StartSecureAsync(pki, [Region]))
        {
            foreach (var (name, server) in new[] { ("plain", plain), ("tls+acl", secure) })
            {
                using var authority = server.IsSecure ? PinnedCertificateAuthority.FromPemFile(server.CaCertificatePath) : null;
                var configuration = ConfigurationOptions.Parse(server.Configuration);
                configuration.TieBreaker = "";
                configuration.ConfigurationChannel = "";
                if (authority is not null)
                {
                    configuration.Ssl = true;
                    configuration.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    configuration.CertificateValidation += authority.Validate;
                    configuration.User = RedisServer.RegionUser(Region);
                    configuration.Password = server.PasswordOf(RedisServer.RegionUser(Region));
                }

                var connect = Stopwatch.StartNew();
                await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
                var connected = connect.Elapsed.TotalMilliseconds;
                var db = redis.GetDatabase();
                var sets = await TimeAsync(calls, i => db.StringSetAsync($"edge:bench:{i % 100}", value));
                var gets = await TimeAsync(calls, i => db.StringGetAsync($"edge:bench:{i % 100}"));
                Report(log, results, $"redis {name} connect", [connected]);
                Report(log, results, $"redis {name} SET 30 KB", sets);
                Report(log, results, $"redis {name} GET 30 KB", gets);
            }
        }

        var keys = new EtcdKeys("/edgeimages/");
        await using (var plain = await EtcdCluster.StartAsync())
        await using (var secure = await EtcdCluster.StartSecureAsync(pki))
        {
            var edge = EtcdRoles.EdgeUser("bench-pop", "bench-1");
            await secure.AccessControl.EnsureUserAsync(edge, null, EtcdRoles.EdgePermissions(keys, Region, "bench-pop", "bench-1"), CancellationToken.None);
            foreach (var (name, cluster, user) in new[] { ("plain", plain, (string?)null), ("tls+rbac", secure, edge) })
            {
                using var gateway = cluster.Connect(user);
                var connect = Stopwatch.StartNew();
                await gateway.GetAsync(keys.Tenant("acme"), CancellationToken.None);
                var connected = connect.Elapsed.TotalMilliseconds;
                var registration = ByteString.CopyFromUtf8(new string('x', 300));
                var puts = await TimeAsync(calls, _ => gateway.PutAsync(keys.Edge("bench-pop", "bench-1"), registration, 0, CancellationToken.None));
                var gets = await TimeAsync(calls, _ => gateway.GetAsync(keys.Tenant("acme"), CancellationToken.None));
                Report(log, results, $"etcd {name} first call (connect)", [connected]);
                Report(log, results, $"etcd {name} PUT (quorum write)", puts);
                Report(log, results, $"etcd {name} GET (linearizable read)", gets);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
        await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(results, Indented));
        log.WriteLine($"written {outFile}");
    }

    private static async Task<List<double>> TimeAsync<T>(int calls, Func<int, Task<T>> call)
    {
        // A tenth of the calls first, untimed: JIT, connection pools and the servers' caches warm up.
        for (var i = 0; i < Math.Max(10, calls / 10); i++)
        {
            await call(i);
        }

        var timings = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            var clock = Stopwatch.GetTimestamp();
            await call(i);
            timings.Add(Stopwatch.GetElapsedTime(clock).TotalMilliseconds);
        }

        return timings;
    }

    private static void Report(TextWriter log, Dictionary<string, object> results, string what, List<double> timings)
    {
        log.WriteLine($"{what,-40} {Percentiles.Describe(timings)}");
        results[what] = new { n = timings.Count, p50 = Math.Round(Percentiles.Of(timings, 50), 3), p99 = Math.Round(Percentiles.Of(timings, 99), 3) };
    }
}
