using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Transforms;
using Xunit.Abstractions;

namespace EdgeImages.Edge.Tests.Shedding;

/// <summary>
/// Cache hits and the health endpoint never enter the transform scheduler, so a saturated scheduler sheds
/// transforms with 503 while hits and health go on answering 200.
/// </summary>
public sealed class HitsUnderOverloadTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> OneSlotOneQueued = new()
    {
        ["Transforms:Concurrency"] = "1",
        ["Transforms:QueueLength"] = "1",
    };

    [Fact]
    public async Task AllSlotsBusyAndQueueFull_HitIs200_HealthIs200_MissIs503WithRetryAfter()
    {
        await using var edge = await EdgeServer.StartAsync(OneSlotOneQueued);
        edge.WithOriginal("a.png", "tiny-2x3.png");
        using (var warm = await edge.GetAsync("w:2,f:png", "a.png"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var scheduler = edge.Services.GetRequiredService<TransformScheduler>();
        using var release = new ManualResetEventSlim();
        using var started = new SemaphoreSlim(0);
        var running = Task.Run(() => scheduler.RunAsync(_ => { started.Release(); release.Wait(CancellationToken.None); return 0; }, CancellationToken.None));
        await started.WaitAsync();
        var queued = scheduler.RunAsync(_ => 0, CancellationToken.None);
        try
        {
            // Every request below must answer while the slot stays blocked: a bounded wait proves none queued.
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var hit = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:2,f:png", "a.png"))), bounded.Token);
            using var health = await edge.Client.GetAsync(new Uri("/healthz", UriKind.Relative), bounded.Token);
            using var miss = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:1,f:png", "a.png"))), bounded.Token);

            Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
            Assert.Equal("HIT-MEMORY", UrlContractTests.Header(hit, "X-Cache"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            await UrlContractTests.AssertProblemAsync(miss, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(miss.Headers.RetryAfter);
            Assert.False(queued.IsCompleted);
        }
        finally
        {
            release.Set();
        }

        await running;
        await queued;
    }

    [Fact]
    public async Task TenfoldOverloadOfMisses_HitsAndHealthAllAnswer200_MissesAre200Or503_RetainedHeapUnder256MiB()
    {
        // One slot and one place in the queue, then 40 distinct 12 MP transforms at once: far past ten times capacity.
        await using var edge = await EdgeServer.StartAsync(OneSlotOneQueued);
        edge.WithOriginal("big.jpg", "photo-landscape-12mp.jpg").WithOriginal("a.png", "tiny-2x3.png");
        using (await edge.GetAsync("w:2,f:png", "a.png"))
        {
        }

        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var misses = Enumerable.Range(0, 40).Select(i => StatusAsync(edge, edge.Url($"w:{200 + i},f:jpeg", "big.jpg"), bounded.Token)).ToList();
        var hits = Enumerable.Range(0, 40).Select(_ => StatusAsync(edge, edge.Url("w:2,f:png", "a.png"), bounded.Token)).ToList();
        var health = Enumerable.Range(0, 10).Select(_ => StatusAsync(edge, "/healthz", bounded.Token)).ToList();
        var hitStatuses = await Task.WhenAll(hits);
        var healthStatuses = await Task.WhenAll(health);
        var missStatuses = await Task.WhenAll(misses);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine($"misses: {missStatuses.Count(s => s == HttpStatusCode.OK)} ok, {missStatuses.Count(s => s == HttpStatusCode.ServiceUnavailable)} shed; " +
            $"GC heap before {heapBefore / 1048576} MiB, after {heapAfter / 1048576} MiB");
        Assert.All(hitStatuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.All(healthStatuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.All(missStatuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, s.ToString()));
        Assert.Contains(HttpStatusCode.ServiceUnavailable, missStatuses);
        // What stays after the storm is the cached variants (a few kB each), not the originals or queued work.
        // Generous, so that it cannot flake; the peak under overload is measured by the load runner (run spike).
        Assert.True(heapAfter - heapBefore < 256L * 1024 * 1024, $"{(heapAfter - heapBefore) / 1048576} MiB retained");
    }

    private static async Task<HttpStatusCode> StatusAsync(EdgeServer edge, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(pathAndQuery)), cancellationToken);
        return response.StatusCode;
    }
}
