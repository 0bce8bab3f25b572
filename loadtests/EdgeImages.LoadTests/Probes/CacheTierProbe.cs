using System.Diagnostics;
using System.Text.Json;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Topology;

namespace EdgeImages.LoadTests.Probes;

/// <summary>
/// Latency of each cache tier, one request at a time on an idle region: a variant never seen is a miss on edge A
/// (origin fetch + transform, and written to L2), then an L2 hit on edge B (Redis), then an L1 hit on B.
/// </summary>
internal static class CacheTierProbe
{
    public static async Task RunAsync(Region region, LoadTestData data, string output, TextWriter log, int rounds = 40)
    {
        if (region.Edges.Count < 2 || region.Redis is null)
        {
            log.WriteLine("cache tiers: L2 needs two edges and Redis; skipped");
            return;
        }

        using var a = new HttpClient { BaseAddress = region.Edges[0].Address };
        using var b = new HttpClient { BaseAddress = region.Edges[1].Address };
        var miss = new List<double>();
        var l2 = new List<double>();
        var l1 = new List<double>();
        var unexpected = 0;
        for (var i = 0; i < rounds; i++)
        {
            // From the end of the miss list: the scenario takes its misses from the start.
            var request = data.Misses[data.Misses.Count - 1 - i];
            var (missMs, missTier) = await TimeAsync(a, request);
            await Task.Delay(100); // L2 is written after the response; let it land.
            var (l2Ms, l2Tier) = await TimeAsync(b, request);
            var (l1Ms, l1Tier) = await TimeAsync(b, request);
            if (missTier != "MISS" || l2Tier != "HIT-REDIS" || l1Tier != "HIT-MEMORY")
            {
                unexpected++;
                continue;
            }

            miss.Add(missMs);
            l2.Add(l2Ms);
            l1.Add(l1Ms);
        }

        log.WriteLine($"cache tiers, sequential on an idle region ({rounds} rounds, {unexpected} with an unexpected X-Cache):");
        log.WriteLine($"  miss (edge A: origin + transform) {Percentiles.Describe(miss)}");
        log.WriteLine($"  L2 hit (edge B: Redis)            {Percentiles.Describe(l2)}");
        log.WriteLine($"  L1 hit (edge B: memory)           {Percentiles.Describe(l1)}");
        var summary = new
        {
            rounds,
            unexpected,
            missMs = new { p50 = Percentiles.Of(miss, 50), p99 = Percentiles.Of(miss, 99) },
            l2HitMs = new { p50 = Percentiles.Of(l2, 50), p99 = Percentiles.Of(l2, 99) },
            l1HitMs = new { p50 = Percentiles.Of(l1, 50), p99 = Percentiles.Of(l1, 99) },
        };
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(summary, LoadTestData.Json));
    }

    private static async Task<(double Ms, string Tier)> TimeAsync(HttpClient client, MixRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, request.Path);
        message.Headers.TryAddWithoutValidation("Accept", request.Accept);
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(message);
        await response.Content.ReadAsByteArrayAsync();
        clock.Stop();
        var tier = response.Headers.TryGetValues("X-Cache", out var values) ? string.Join(",", values) : "";
        return (clock.Elapsed.TotalMilliseconds, tier);
    }
}
