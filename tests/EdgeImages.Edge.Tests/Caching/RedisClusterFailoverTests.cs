using System.Diagnostics;
using System.Globalization;
using System.Net;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// A primary of the region's Redis Cluster killed (SIGKILL) under traffic: its replica takes over, the edge answers
/// every request meanwhile (L2 failures are misses, never errors), and L2 serves again from the promoted replica by
/// itself. How long L2 missed is measured and printed, not asserted: a loaded machine says nothing about speed.
/// A cluster of its own: the test leaves it failed over.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RedisClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Region = "us-east";
    private const string Original = "hot.png";
    private const int Variants = 24;

    // Hang guard only: far beyond the node timeout (1 s) and a client's reconfiguration.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly TestPki _pki = new();
    private RedisCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await RedisCluster.StartSecureAsync(_pki, [Region]);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task ClusterPrimaryKilledUnderTraffic_NoErrorResponse_L2ServesAgainFromPromotedReplica()
    {
        // The production breaker (1 s cooldown); a budget of 1 s rather than 50 ms so that a loaded test machine does
        // not trip the breaker before the kill and blur what the kill costs.
        var settings = _cluster.EdgeSettings(Region);
        settings["Caching:RedisBudget"] = "00:00:01";
        // One test address makes thousands of requests (the filler's repeats are memory hits): no per-client limit.
        settings["RateLimiting:PerClientPerSecond"] = "0";
        await using var filler = await EdgeServer.StartAsync(settings);
        await using var prober = await EdgeServer.StartAsync(settings);
        foreach (var edge in new[] { filler, prober })
        {
            edge.WithOriginal(Original, "tiny-2x3.png");
            await RedisTierTests.WaitForRedisReadyAsync(edge);
        }

        for (var i = 0; i < Variants; i++)
        {
            using var fill = await filler.GetAsync(Options(i), Original);
            Assert.Equal(HttpStatusCode.OK, fill.StatusCode);
        }

        // Every variant on its primary and on that primary's replica, so that a failover loses none of them.
        await Eventually.WaitAsync(
            async () => (await Task.WhenAll(_cluster.Nodes.Select(node => RedisCluster.KeyCountAsync(node, VariantPattern)))).Sum() == 2 * Variants,
            TimeSpan.FromSeconds(10), "every variant written and replicated", TimeSpan.FromMilliseconds(50));
        var primaries = await _cluster.PrimariesAsync();
        var keysOf = new Dictionary<RedisServer, string[]>();
        foreach (var primary in primaries)
        {
            keysOf[primary] = await RedisCluster.KeysAsync(primary, VariantPattern);
        }

        var victim = keysOf.MaxBy(pair => pair.Value.Length).Key;
        var victimKey = keysOf[victim][0];

        // The prober forgets its memory before each request, so every one asks L2: HIT-REDIS while L2 serves, MISS
        // (a fill from the origin, written back) while it does not. The filler meanwhile makes new variants.
        var clock = Stopwatch.StartNew();
        var killedAt = TimeSpan.MaxValue;
        TimeSpan? promotedAt = null;
        var probes = new List<Probe>();
        var fills = new List<HttpStatusCode>();
        using var stop = new CancellationTokenSource(Guard);
        var filling = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var response = await filler.GetAsync(string.Create(CultureInfo.InvariantCulture, $"w:{500 + (i % 400)},f:png"), Original);
                lock (fills)
                {
                    fills.Add(response.StatusCode);
                }
            }
        });

        var cache = prober.Services.GetRequiredService<IVariantCache>();
        for (var i = 0; ; i++)
        {
            Assert.False(stop.IsCancellationRequested, $"L2 did not serve every variant again within {Guard.TotalSeconds} s of the kill: {Summary(probes, killedAt)}");
            if (i == 2 * Variants)
            {
                await _cluster.KillAsync(victim);
                killedAt = clock.Elapsed;
            }

            cache.ForgetEverything();
            using var response = await prober.GetAsync(Options(i % Variants), Original);
            probes.Add(new Probe(clock.Elapsed, response.StatusCode, UrlContractTests.Header(response, "X-Cache") ?? ""));
            if (killedAt != TimeSpan.MaxValue && promotedAt is null && await _cluster.PrimaryOfAsync(victimKey) is not null)
            {
                promotedAt = clock.Elapsed;
            }

            // Done once the replica took over and a whole round of variants since came from L2.
            if (promotedAt is not null && probes.Count >= Variants && probes.TakeLast(Variants).All(probe => probe.Cache == "HIT-REDIS" && probe.At > killedAt))
            {
                break;
            }
        }

        await stop.CancelAsync();
        await filling;
        var lastL2Miss = probes.LastOrDefault(probe => probe.At > killedAt && probe.Cache != "HIT-REDIS");
        var gap = lastL2Miss is null ? TimeSpan.Zero : lastL2Miss.At - killedAt;
        var promoted = await _cluster.PrimaryOfAsync(victimKey);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Redis Cluster primary killed under traffic: replica promoted (seen) {(promotedAt!.Value - killedAt).TotalSeconds:F2} s after the kill; " +
            $"L2 misses lasted {gap.TotalSeconds:F2} s; {Summary(probes, killedAt)}; filler requests meanwhile {fills.Count}."));

        // The old primary comes back as a replica of the one that took its place.
        await _cluster.StartAgainAsync(victim);
        await _cluster.WaitHealthyAsync();

        Assert.All(probes, probe => Assert.Equal(HttpStatusCode.OK, probe.Status));
        Assert.All(fills, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.NotNull(promoted);
        Assert.NotSame(victim, promoted);
        Assert.DoesNotContain(victim, await _cluster.PrimariesAsync());
    }

    private static string VariantPattern => $"edge:{EdgeServer.Tenant}/{Original}@*";

    private static string Options(int variant) => string.Create(CultureInfo.InvariantCulture, $"w:{301 + variant},f:png");

    private static string Summary(List<Probe> probes, TimeSpan killedAt)
    {
        var after = probes.Where(probe => probe.At > killedAt).ToList();
        return $"probes {probes.Count} ({after.Count} after the kill: {after.Count(p => p.Cache == "HIT-REDIS")} HIT-REDIS, " +
            $"{after.Count(p => p.Cache != "HIT-REDIS")} L2 misses), errors {probes.Count(p => p.Status != HttpStatusCode.OK)}";
    }

    private sealed record Probe(TimeSpan At, HttpStatusCode Status, string Cache);
}
