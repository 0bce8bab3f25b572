using System.Diagnostics;
using System.Text.Json;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Topology;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.LoadTests.Probes;

/// <summary>
/// How long until an unversioned URL shows a new version: each round writes a new version of one original
/// (PUT to the origin, or a new file in the local originals folder), commits a purge of it into etcd (as the control
/// plane does; every edge applies it by watch), and polls the URL on every edge until all of them answer with the new bytes.
/// Timed from the moment the PUT returned, so the figure includes the purge.
/// </summary>
internal static class ConsistencyProbe
{
    public static async Task RunAsync(Region region, LoadTestData data, string dataFolder, int rounds, string output, TextWriter log)
    {
        var target = data.Originals[0];
        var other = data.Originals.First(o => o.Path.EndsWith(".jpg", StringComparison.Ordinal) && o != target);
        var versions = new[]
        {
            await File.ReadAllBytesAsync(Path.Combine(dataFolder, "originals", target.Tenant, target.Path)),
            await File.ReadAllBytesAsync(Path.Combine(dataFolder, "originals", other.Tenant, other.Path)),
        };
        var key = LoadTestData.KeyFor(data.Seed, out _);
        var url = new ImageUrlBuilder(key).Build(new TransformOptions { Width = 320, Format = ImageFormat.Jpeg }, target.Tenant, target.Path);
        var clients = region.Edges.Select(edge => new HttpClient { BaseAddress = edge.Address }).ToList();
        var visible = new List<double>();
        var purge = new List<double>();
        try
        {
            var previous = await Task.WhenAll(clients.Select(client => ETagAsync(client, url)));
            for (var round = 0; round < rounds; round++)
            {
                var bytes = versions[(round + 1) % 2];
                if (region.Origin is not null)
                {
                    await region.PutAsync(target.Tenant, target.Path, bytes);
                }
                else
                {
                    await File.WriteAllBytesAsync(Path.Combine(dataFolder, "originals", target.Tenant, target.Path), bytes);
                }

                var clock = Stopwatch.StartNew();
                await region.PurgeAsync(target.Tenant, target.Path);
                purge.Add(clock.Elapsed.TotalMilliseconds);
                var seen = await Task.WhenAll(clients.Select((client, i) => WaitForChangeAsync(client, url, previous[i])));
                visible.Add(clock.Elapsed.TotalMilliseconds);
                previous = seen;
            }
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }

        var store = region.Origin is null ? "local originals folder" : "origin (PUT)";
        log.WriteLine($"consistency over {rounds} rounds, {region.Edges.Count} edge(s), {store}{(region.Redis is null ? "" : ", Redis L2")}:");
        log.WriteLine($"  purge committed in etcd  {Percentiles.Describe(purge)}");
        log.WriteLine($"  new version visible     {Percentiles.Describe(visible)}  (from the write's return)");
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new
        {
            rounds,
            edges = region.Edges.Count,
            store,
            redis = region.Redis is not null,
            purgeMs = new { p50 = Percentiles.Of(purge, 50), p99 = Percentiles.Of(purge, 99) },
            visibleMs = new { p50 = Percentiles.Of(visible, 50), p99 = Percentiles.Of(visible, 99) },
        }, LoadTestData.Json));
    }

    private static async Task<string> WaitForChangeAsync(HttpClient client, string url, string previous)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var tag = await ETagAsync(client, url);
            if (tag != previous)
            {
                return tag;
            }

            await Task.Delay(5);
        }

        throw new TimeoutException($"{url} still showed {previous} 30 s after the purge.");
    }

    private static async Task<string> ETagAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return response.Headers.ETag?.Tag ?? throw new InvalidDataException("no ETag");
    }
}
