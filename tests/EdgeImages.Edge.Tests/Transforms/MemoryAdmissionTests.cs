using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Transforms;
using EdgeImages.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace EdgeImages.Edge.Tests.Shedding;

/// <summary>
/// The memory budget over HTTP, on a real edge: what a miss may hold is decided before its bytes exist, pass-through
/// included; a tenant's flood waiting for memory is shed before another tenant's miss; a source the budget cannot hold
/// is a 413. The test takes bytes out of the edge's own budget to stand for the other misses in flight, and counts
/// sheds on the edge's own meter, so every delta is exact.
/// </summary>
public sealed class MemoryAdmissionTests
{
    private const long MiB = 1024 * 1024;

    private static Task<EdgeServer> StartEdgeAsync(long budget, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Transforms:MemoryBudgetBytes"] = budget.ToString(CultureInfo.InvariantCulture),
            ["Transforms:Deadline"] = "00:00:30",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return EdgeServer.StartAsync(settings);
    }

    [Fact]
    public async Task PassThroughOfAnOriginalLargerThanTheWholeBudget_413ProblemJson_HoldsNothing()
    {
        await using var edge = await StartEdgeAsync(MiB);
        edge.WithOriginal("big.jpg", "photo-landscape-12mp.jpg");
        var budget = edge.Services.GetRequiredService<MemoryBudget>();

        using var response = await edge.GetAsync("-", "big.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, budget.ReservedBytes);
    }

    [Fact]
    public async Task PassThroughWhileTheBudgetIsSpentElsewhere_Shed503_CountedAsMemory_ServedOnceFreed()
    {
        await using var edge = await StartEdgeAsync(4 * MiB);
        var original = TestImages.Read("photo-landscape-12mp.jpg");
        edge.WithOriginal("big.jpg", original);
        var budget = edge.Services.GetRequiredService<MemoryBudget>();
        using var shed = ShedCollector(edge);
        // Other misses hold three of the four MiB: the pass-through is admitted on its first MiB, then its announced
        // 2.4 MB cannot be reserved, and growing never waits.
        var others = await budget.ReserveAsync("others", 3 * MiB, CancellationToken.None);

        using (var refused = await edge.GetAsync("-", "big.jpg"))
        {
            await UrlContractTests.AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        Assert.Equal(3 * MiB, budget.ReservedBytes);
        others.Dispose();
        using var served = await edge.GetAsync("-", "big.jpg");

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(original, await served.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, ShedCount(shed, "memory"));
        Assert.Equal(0, ShedCount(shed, "queue_full") + ShedCount(shed, "deadline"));
    }

    [Fact]
    public async Task BudgetSpent_MissWaitsPastItsDeadline_Shed503_CountedOnceAsDeadline()
    {
        await using var edge = await StartEdgeAsync(8 * MiB, ("Transforms:Deadline", "00:00:02"));
        edge.WithOriginal("a.png", "tiny-2x3.png");
        var budget = edge.Services.GetRequiredService<MemoryBudget>();
        using var shed = ShedCollector(edge);
        var others = await budget.ReserveAsync("others", budget.TotalBytes, CancellationToken.None);

        using (var late = await edge.GetAsync("w:2,f:png", "a.png"))
        {
            await UrlContractTests.AssertProblemAsync(late, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(late.Headers.RetryAfter);
        }

        Assert.Equal(0, budget.QueuedCount);
        others.Dispose();
        using var served = await edge.GetAsync("w:2,f:png", "a.png");

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(1, ShedCount(shed, "deadline"));
        Assert.Equal(0, ShedCount(shed, "queue_full") + ShedCount(shed, "memory"));
    }

    [Fact]
    public async Task OneTenantsMissesFillTheMemoryQueue_AnotherTenantArrives_FloodIsShedFirst_OtherServed()
    {
        await using var edge = await StartEdgeAsync(64 * MiB, ("Transforms:MemoryQueueLength", "3"));
        edge.WithOriginal("a.png", "tiny-2x3.png");
        Directory.CreateDirectory(Path.Combine(edge.OriginalsFolder, "beta"));
        await File.WriteAllBytesAsync(Path.Combine(edge.OriginalsFolder, "beta", "b.png"), TestImages.Read("tiny-2x3.png"));
        var budget = edge.Services.GetRequiredService<MemoryBudget>();
        using var shed = ShedCollector(edge);
        var others = await budget.ReserveAsync("others", budget.TotalBytes, CancellationToken.None);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // acme fills the queue with three distinct misses, each seen waiting before the next is sent.
        var flood = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 3; i++)
        {
            flood.Add(edge.GetAsync($"w:{i + 1},f:png", "a.png"));
            await WaitAsync(() => budget.QueuedCount == i + 1, guard.Token);
        }

        // beta's one miss takes the place of acme's newest, which is shed at once.
        var other = edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:2,f:png", "b.png", "beta", edge.PlatformKey))), guard.Token);
        using var evicted = await flood[2].WaitAsync(guard.Token);
        // acme, still the tenant with the most waiting, has its next miss shed without a place in line.
        using var refused = await edge.GetAsync("w:9,f:png", "a.png").WaitAsync(guard.Token);
        Assert.False(other.IsCompleted);

        others.Dispose();
        using var otherServed = await other;
        using var first = await flood[0].WaitAsync(guard.Token);
        using var second = await flood[1].WaitAsync(guard.Token);

        await UrlContractTests.AssertProblemAsync(evicted, HttpStatusCode.ServiceUnavailable);
        await UrlContractTests.AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(evicted.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, otherServed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, ShedCount(shed, "queue_full"));
        Assert.Equal(0, ShedCount(shed, "deadline") + ShedCount(shed, "memory"));
    }

    [Fact]
    public async Task InterlacedOneBitPng64Megapixels_ThumbnailNeedsTheWholeImage_413BeforeDecoding()
    {
        // Adam7 cannot be read by rows: the strip decoder does not apply, and the whole image is 256 MB of pixels.
        var png = HostileImages.InterlacedOneBitPng(8000, 8000);
        await using var edge = await StartEdgeAsync(64 * MiB);
        edge.WithOriginal("bomb.png", png).WithOriginal("small.png", HostileImages.InterlacedOneBitPng(64, 64));
        var budget = edge.Services.GetRequiredService<MemoryBudget>();

        using var refused = await edge.GetAsync("w:400,f:png", "bomb.png");
        // The same kind of file, small enough: decoded whole, and white, so the file above is a valid PNG too.
        using var small = await edge.GetAsync("w:8,f:png", "small.png");

        Assert.True(png.Length < 200_000, $"{png.Length} bytes");
        await UrlContractTests.AssertProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        using var thumbnail = Transforms.TestImages.Decode(await small.Content.ReadAsByteArrayAsync());
        Assert.Equal(8, thumbnail.Width);
        Assert.True(thumbnail.GetPixel(4, 4).Red > 250);
        Assert.Equal(0, budget.ReservedBytes);
    }

    private static async Task WaitAsync(Func<bool> condition, CancellationToken hangGuard)
    {
        while (!condition())
        {
            await Task.Delay(10, hangGuard);
        }
    }

    private static MetricCollector<long> ShedCollector(EdgeServer edge) =>
        new(edge.Services.GetRequiredService<IMeterFactory>(), EdgeMetrics.MeterName, "edgeimages.transforms.shed");

    private static long ShedCount(MetricCollector<long> collector, string reason) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason)).Sum(m => m.Value);
}
