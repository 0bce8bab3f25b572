using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Sdk.Signing;
using EdgeImages.Testing;
using Xunit.Abstractions;

namespace EdgeImages.Edge.Tests.Shedding;

/// <summary>
/// A flood of distinct misses over large originals and the worst decompression ratios, against the real edge in
/// a process of its own, its resident memory sampled from /proc all along: the peak stays under the memory budget
/// plus the fixed overhead the README states, while every answer is a 200, a 413 or a 503 with Retry-After.
/// </summary>
public sealed class MemoryFloodTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private const long Budget = 96 * MiB;

    // What the edge holds besides the work in flight, stated in the README: the runtime, JIT'ed code and Kestrel
    // after warm-up (measured idle RSS is subtracted, so this is above it), the GC's slack for garbage originals
    // not yet collected, the originals' idle pooled arrays (OriginalBuffers: a quarter of the budget), native allocator arenas,
    // and the variants cached during the flood (small thumbnails).
    private const long FixedOverhead = 256 * MiB;

    [Fact]
    public async Task FloodOfDistinctMissesAndBombs_PeakResidentMemory_StaysUnderBudgetPlusOverhead()
    {
        var originals = Directory.CreateTempSubdirectory("edge-flood-").FullName;
        try
        {
            var tenantFolder = Path.Combine(originals, EdgeServer.Tenant);
            Directory.CreateDirectory(tenantFolder);
            var photo = TestImages.Read("photo-landscape-12mp.jpg");
            for (var i = 0; i < 8; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(tenantFolder, $"photo-{i}.jpg"), photo);
            }

            await File.WriteAllBytesAsync(Path.Combine(tenantFolder, "one-bit-64mp.png"), HostileImages.OneBitPng(8000, 8000));
            await File.WriteAllBytesAsync(Path.Combine(tenantFolder, "flat-100mp.jpg"), HostileImages.FlatJpeg(10_000, 10_000));
            await File.WriteAllBytesAsync(Path.Combine(tenantFolder, "frames.gif"), HostileImages.ManyFrameGif(4000, 4000, frames: 5000));
            await File.WriteAllBytesAsync(Path.Combine(tenantFolder, "tiny.png"), TestImages.Read("tiny-2x3.png"));

            await using var edge = await EdgeProcess.StartAsync(new Dictionary<string, string>
            {
                // A secret nobody published: this edge runs as Production, which refuses the spec's test key.
                [$"Signing:Keys:{EdgeServer.PlatformKeyId}"] = Convert.ToHexString(EdgeServer.PlatformSecret),
                [$"Signing:KeyTenants:{EdgeServer.PlatformKeyId}"] = EdgeServer.Tenant,
                ["Signing:ActiveKey"] = EdgeServer.PlatformKeyId,
                ["Originals:Path"] = originals,
                ["RateLimiting:PerClientPerSecond"] = "0",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Transforms:MemoryBudgetBytes"] = Budget.ToString(CultureInfo.InvariantCulture),
                // Slots of a 16-core PoP on these few cores: memory, not the slots, has to be what bounds the flood.
                ["Transforms:Concurrency"] = "16",
                ["Transforms:QueueLength"] = "32",
                ["Transforms:Deadline"] = "00:00:30",
            });
            using var client = new HttpClient { BaseAddress = edge.Address, Timeout = TimeSpan.FromSeconds(60) };
            var key = new SigningKey(EdgeServer.PlatformKeyId, EdgeServer.PlatformSecret, KeyTenants.Of(EdgeServer.Tenant), SigningKeyState.Active);
            string Url(string options, string path)
            {
                var message = $"/{options}/{EdgeServer.Tenant}/{path}";
                return $"/{UrlSigner.Sign(key, message)}{message}";
            }

            // Warm-up: every code path once, so that JIT and first-use allocations are in the idle figure.
            foreach (var path in new[] { "tiny.png", "photo-0.jpg" })
            {
                using var warm = await client.GetAsync(new Uri(Url("w:100", path), UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            }

            var idle = edge.Memory().Rss;
            var peak = idle;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, edge.Memory().Rss);
                    await Task.Delay(5, CancellationToken.None);
                }
            });

            var paths = new[] { "one-bit-64mp.png", "flat-100mp.jpg", "frames.gif" }.Concat(Enumerable.Range(0, 8).Select(i => $"photo-{i}.jpg")).ToArray();
            var statuses = new ConcurrentBag<HttpStatusCode>();
            var next = -1;
            var workers = Enumerable.Range(0, 24).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < 300)
                {
                    // Distinct misses: a new width each time, over every original in turn, a pass-through now and then.
                    var options = i % 25 == 0 ? "-" : $"w:{100 + i},f:jpeg";
                    using var response = await client.GetAsync(new Uri(Url(options, paths[i % paths.Length]), UriKind.Relative));
                    statuses.Add(response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Assert.NotNull(response.Headers.RetryAfter);
                    }
                }
            })).ToList();
            await Task.WhenAll(workers);
            await sampling.CancelAsync();
            await sampler;
            var hwm = edge.Memory().PeakRss;

            var counts = statuses.GroupBy(s => s).ToDictionary(g => (int)g.Key, g => g.Count());
            output.WriteLine($"statuses {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}: {c.Value}"))}; " +
                $"RSS idle {idle / MiB} MiB, sampled peak {peak / MiB} MiB (+{(peak - idle) / MiB}), VmHWM {hwm / MiB} MiB; budget {Budget / MiB} MiB");
            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.ServiceUnavailable, s.ToString()));
            Assert.True(counts.GetValueOrDefault(200) > 0);
            Assert.True(peak - idle <= Budget + FixedOverhead, $"peak RSS {peak / MiB} MiB is {(peak - idle) / MiB} MiB over idle");
        }
        finally
        {
            Directory.Delete(originals, recursive: true);
        }
    }
}
