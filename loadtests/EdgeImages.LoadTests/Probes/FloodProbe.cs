using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Topology;
using EdgeImages.Sdk.Urls;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests.Probes;

/// <summary>
/// A flood of distinct misses over large originals and the worst decompression ratios (a 64 MP 1-bit PNG, a 100 MP
/// JPEG of 390 KB, a 5000-frame GIF on a 4000x4000 screen), from one tenant, while a second tenant asks for a few
/// misses of its own and clients go on asking for a hot variant. Reports the edge's peak resident memory (sampled
/// from /proc every 10 ms, and VmHWM) against the memory budget, the shed ratio of each tenant and the p99 of the
/// hits, and fails when the peak passes idle + budget + the stated overhead.
/// </summary>
internal static class FloodProbe
{
    private const long MiB = 1024 * 1024;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly string[] Photos = ["photo-landscape-15mp.jpg", "photo-landscape-12mp.jpg", "panorama-8000x1000.jpg", "photo-portrait-5mp.jpg"];

    /// <summary>What the edge holds besides the work in flight (loadtests/README.md, "Flood").</summary>
    public const long FixedOverheadBytes = 256 * MiB;

    public static async Task<int> RunAsync(Region region, LoadTestData data, string dataFolder, FloodSettings settings, string output, TextWriter log)
    {
        var flooder = data.Tenants[0];
        var quiet = data.Tenants.Count > 1 ? data.Tenants[1] : data.Tenants[0];
        var originals = await WriteOriginalsAsync(region, dataFolder, flooder, quiet, log);
        var key = LoadTestData.KeyFor(data.Seed, out _);
        var urls = new ImageUrlBuilder(key);
        var floodPaths = originals[flooder];
        var flood = Enumerable.Range(0, settings.Misses).Select(i => urls.Build(
            i % 50 == 0 ? TransformOptions.PassThrough : new TransformOptions { Width = 100 + (i % 1500), Format = ImageFormat.Jpeg },
            flooder, floodPaths[i % floodPaths.Count])).ToList();
        var quietMisses = Enumerable.Range(0, settings.QuietMisses).Select(i => urls.Build(
            new TransformOptions { Width = 200 + i, Format = ImageFormat.Jpeg }, quiet, originals[quiet][i % originals[quiet].Count])).ToList();

        var edge = region.Edges[0];
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = edge.Address, Timeout = TimeSpan.FromSeconds(60) };
        using (var warm = await SendAsync(client, data.Hot.Path, data.Hot.Accept))
        {
            warm.EnsureSuccessStatusCode();
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        var idle = edge.Memory().Rss;
        var peak = idle;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, edge.Memory().Rss);
                await Task.Delay(10, CancellationToken.None);
            }
        });

        var hitLatencies = new ConcurrentBag<double>();
        var hitStatuses = new ConcurrentBag<HttpStatusCode>();
        var hits = Enumerable.Range(0, settings.HitConnections).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                using var response = await SendAsync(client, data.Hot.Path, data.Hot.Accept);
                await response.Content.ReadAsByteArrayAsync();
                hitLatencies.Add(clock.Elapsed.TotalMilliseconds);
                hitStatuses.Add(response.StatusCode);
            }
        })).ToList();

        var clock = Stopwatch.StartNew();
        var floodTask = DriveAsync(client, flood, settings.Connections);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var quietStatuses = await DriveAsync(client, quietMisses, 2);
        var floodStatuses = await floodTask;
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(hits.Append(sampler));
        var hwm = edge.Memory().PeakRss;

        var budget = settings.BudgetBytes;
        var bound = idle + budget + FixedOverheadBytes;
        var summary = new
        {
            scenario = "flood",
            misses = flood.Count,
            seconds = Math.Round(elapsed.TotalSeconds, 1),
            budgetMiB = budget / MiB,
            idleRssMiB = idle / MiB,
            peakRssMiB = peak / MiB,
            vmHwmMiB = hwm / MiB,
            boundMiB = bound / MiB,
            flood = Count(floodStatuses),
            quiet = Count(quietStatuses),
            floodShedRatio = Ratio(floodStatuses, HttpStatusCode.ServiceUnavailable),
            quietShedRatio = Ratio(quietStatuses, HttpStatusCode.ServiceUnavailable),
            hits = hitLatencies.Count,
            hitErrors = hitStatuses.Count(s => s != HttpStatusCode.OK),
            hitP50Ms = Math.Round(Percentiles.Of(hitLatencies.ToList(), 50), 1),
            hitP99Ms = Math.Round(Percentiles.Of(hitLatencies.ToList(), 99), 1),
        };
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "summary.json"), JsonSerializer.Serialize(summary, Indented));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[flood] {flood.Count} distinct misses from {flooder} ({settings.Connections} connections) in {elapsed.TotalSeconds:F1} s: {Describe(floodStatuses)}; shed ratio {summary.floodShedRatio:P1}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[flood] {quietMisses.Count} misses from {quiet} meanwhile: {Describe(quietStatuses)}; shed ratio {summary.quietShedRatio:P1}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[flood] hits during the flood: {summary.hits}, p50 {summary.hitP50Ms} ms, p99 {summary.hitP99Ms} ms, not 200: {summary.hitErrors}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[flood] edge RSS idle {summary.idleRssMiB} MiB, peak {summary.peakRssMiB} MiB sampled, VmHWM {summary.vmHwmMiB} MiB; bound idle + budget {summary.budgetMiB} MiB + overhead {FixedOverheadBytes / MiB} MiB = {summary.boundMiB} MiB"));
        var held = Math.Max(peak, hwm) <= bound && summary.hitErrors == 0;
        log.WriteLine(held ? "[flood] held" : "[flood] FAILED: peak memory over the bound or a hit failed");
        return held ? 0 : 1;
    }

    private static async Task<Dictionary<string, List<string>>> WriteOriginalsAsync(Region region, string dataFolder, string flooder, string quiet, TextWriter log)
    {
        var photos = Photos.Select(name => File.ReadAllBytes(Path.Combine(RepositoryPaths.TestImages, name))).ToArray();
        var files = new List<(string Tenant, string Path, byte[] Bytes)>
        {
            (flooder, "flood/one-bit-64mp.png", HostileImages.OneBitPng(8000, 8000)),
            (flooder, "flood/flat-100mp.jpg", HostileImages.FlatJpeg(10_000, 10_000)),
            (flooder, "flood/frames.gif", HostileImages.ManyFrameGif(4000, 4000, frames: 5000)),
        };
        for (var i = 0; i < 40; i++)
        {
            files.Add((flooder, $"flood/photo-{i}.jpg", photos[i % photos.Length]));
        }

        for (var i = 0; i < 4; i++)
        {
            files.Add((quiet, $"quiet/photo-{i}.jpg", photos[i % photos.Length]));
        }

        foreach (var (tenant, path, bytes) in files)
        {
            if (region.Origin is not null)
            {
                await region.PutAsync(tenant, path, bytes);
            }
            else
            {
                var file = Path.Combine(dataFolder, "originals", tenant, path);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await File.WriteAllBytesAsync(file, bytes);
            }
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[flood] wrote {files.Count} originals ({files.Sum(f => f.Bytes.LongLength) / MiB} MiB)"));
        return files.GroupBy(f => f.Tenant).ToDictionary(g => g.Key, g => g.Select(f => f.Path).ToList());
    }

    private static async Task<List<HttpStatusCode>> DriveAsync(HttpClient client, List<string> paths, int connections)
    {
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < paths.Count)
            {
                try
                {
                    using var response = await SendAsync(client, paths[i], "image/webp,image/*");
                    await response.Content.ReadAsByteArrayAsync();
                    statuses.Add(response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    statuses.Add(0);
                }
            }
        })));
        return statuses.ToList();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return client.SendAsync(request);
    }

    private static Dictionary<string, int> Count(List<HttpStatusCode> statuses) =>
        statuses.GroupBy(s => ((int)s).ToString(CultureInfo.InvariantCulture)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    private static string Describe(List<HttpStatusCode> statuses) => string.Join(", ", Count(statuses).Select(kv => $"{kv.Value} × {kv.Key}"));

    private static double Ratio(List<HttpStatusCode> statuses, HttpStatusCode status) =>
        statuses.Count == 0 ? 0 : Math.Round((double)statuses.Count(s => s == status) / statuses.Count, 4);
}

/// <summary>The flood's size and the budget the edge runs with.</summary>
internal sealed record FloodSettings(int Misses, int Connections, int QuietMisses, int HitConnections, long BudgetBytes);
