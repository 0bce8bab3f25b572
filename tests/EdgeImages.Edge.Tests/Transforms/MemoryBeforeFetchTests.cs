using System.Diagnostics.Metrics;
using System.Net;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Origin;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Transforms;
using EdgeImages.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace EdgeImages.Edge.Tests.Shedding;

/// <summary>
/// Memory is reserved before the fetch: a miss that waits for it or is shed for want of it has cost the origin
/// nothing. Counted at a <see cref="FaultyTcpProxy"/> (passing bytes untouched) in front of a real origin node.
/// </summary>
[Collection(SharedOriginCluster.Name)]
public sealed class MemoryBeforeFetchTests(OriginClusterCollectionFixture cluster) : IAsyncLifetime
{
    private readonly OriginClusterFixture _origin = cluster.Origin;
    private FaultyTcpProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = FaultyTcpProxy.Start(_origin.NodeA.Address);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    [Fact]
    public async Task BudgetSpentAndMemoryQueueFull_WaitingMissNotFetched_NextShed503AtOnce_OriginNeverAsked()
    {
        var settings = _origin.EdgeSettings(
            ("Origin:Destinations:a", _proxy.Address.ToString()),
            ("Transforms:MemoryBudgetBytes", (16 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Transforms:MemoryQueueLength", "1"),
            ("Transforms:Deadline", "00:00:30"));
        settings.Remove("Origin:Destinations:b");
        await using var edge = await EdgeServer.StartAsync(settings);
        var budget = edge.Services.GetRequiredService<MemoryBudget>();
        using var shed = new MetricCollector<long>(edge.Services.GetRequiredService<IMeterFactory>(), EdgeMetrics.MeterName, "edgeimages.transforms.shed");
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var others = await budget.ReserveAsync("others", budget.TotalBytes, CancellationToken.None);

        var waiting = edge.GetAsync("w:31,f:jpeg", "photos/flower.jpg");
        while (budget.QueuedCount < 1)
        {
            await Task.Delay(10, guard.Token);
        }

        using var refused = await edge.GetAsync("w:32,f:jpeg", "photos/flower.jpg").WaitAsync(guard.Token);
        var fetchesBeforeRelease = Fetches();
        others.Dispose();
        using var served = await waiting.WaitAsync(guard.Token);

        await UrlContractTests.AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(0, fetchesBeforeRelease);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(1, Fetches());
        Assert.Equal(1, shed.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], "queue_full")).Sum(m => m.Value));
        Assert.Equal(1, shed.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    private int Fetches() => _proxy.RequestsContaining("/v1/acme/photos/flower.jpg");
}
