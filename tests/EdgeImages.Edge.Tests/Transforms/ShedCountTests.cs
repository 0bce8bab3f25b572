using System.Diagnostics.Metrics;
using System.Net;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace EdgeImages.Edge.Tests.Shedding;

/// <summary>
/// Every shed is counted in <c>edgeimages.transforms.shed</c> by reason, those decided before the fetch included. The
/// collector listens to this edge's own <see cref="IMeterFactory"/> only, so other edges alive in the test process do
/// not blur the count: the deltas are exact.
/// </summary>
public sealed class ShedCountTests
{
    [Fact]
    public async Task SlotAndQueueFull_EachMissShedBeforeItsFetch_CountedOnceAsQueueFull()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Transforms:Concurrency"] = "1",
            ["Transforms:QueueLength"] = "1",
        });
        edge.WithOriginal("a.png", "tiny-2x3.png");
        using var shed = Collector(edge);
        var scheduler = edge.Services.GetRequiredService<TransformScheduler>();
        using var release = new ManualResetEventSlim();
        using var started = new SemaphoreSlim(0);
        var running = Task.Run(() => scheduler.RunAsync(_ => { started.Release(); release.Wait(CancellationToken.None); return 0; }, CancellationToken.None));
        await started.WaitAsync();
        var queued = scheduler.RunAsync(_ => 0, CancellationToken.None);
        var statuses = new List<HttpStatusCode>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                using var response = await edge.GetAsync($"w:{1 + (i % 2)},h:{1 + i},f:png", "a.png");
                statuses.Add(response.StatusCode);
            }
        }
        finally
        {
            release.Set();
        }

        await running;
        await queued;

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
        Assert.Equal(5, Sum(shed, "queue_full"));
        Assert.Equal(0, Sum(shed, "deadline"));
    }

    [Fact]
    public async Task TransformPastItsDeadline_CountedOnceAsDeadline()
    {
        await using var edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Transforms:Deadline"] = "00:00:00.001" },
            services => services.AddSingleton<TimeProvider>(new ExpiredShortTimersTimeProvider(TimeSpan.FromMilliseconds(1))));
        edge.WithOriginal("big.jpg", "photo-landscape-15mp.jpg");
        using var shed = Collector(edge);

        using var response = await edge.GetAsync("w:300,blur:20", "big.jpg");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, Sum(shed, "deadline"));
        Assert.Equal(0, Sum(shed, "queue_full"));
    }

    private static MetricCollector<long> Collector(EdgeServer edge) =>
        new(edge.Services.GetRequiredService<IMeterFactory>(), EdgeMetrics.MeterName, "edgeimages.transforms.shed");

    private static long Sum(MetricCollector<long> collector, string reason) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason)).Sum(m => m.Value);
}
