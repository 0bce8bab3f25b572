using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// The edge's <c>/metrics</c> over HTTP, scraped as Prometheus scrapes it, after real traffic. Each edge exports only its
/// own meters (see <c>TelemetryServiceExtensions</c>), so these run in parallel with every other test of the process and
/// still assert exact counts: what a scrape after the traffic says minus what one before it said.
/// </summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_AfterMissHitAndForbidden_CountRequestsByStatusAndCacheTier()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");
        var before = await ScrapeAsync(edge);

        using (var miss = await edge.GetAsync("w:64", "flower.jpg"))
        {
            Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        }

        using (var hit = await edge.GetAsync("w:64", "flower.jpg"))
        {
            Assert.Equal("HIT-MEMORY", hit.Headers.GetValues("X-Cache").Single());
        }

        using (var forbidden = await edge.Client.GetAsync(edge.RawUri("/AAAAAAAAAAAAAAAAAAAAAA/w:64/acme/flower.jpg")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var after = await ScrapeAsync(edge);

        Assert.Equal(1, Delta(before, after, "edgeimages_requests_total", ("status", "200"), ("cache", "miss")));
        Assert.Equal(1, Delta(before, after, "edgeimages_requests_total", ("status", "200"), ("cache", "hit-memory")));
        Assert.Equal(1, Delta(before, after, "edgeimages_requests_total", ("status", "403"), ("cache", "miss")));
        // The scrapes themselves, health and the demo page are not image traffic.
        Assert.Equal(3, Delta(before, after, "edgeimages_requests_total"));
    }

    [Fact]
    public async Task Metrics_AfterTransform_HaveStageHistogramsInSecondsAndTheMemoryTierSize()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");
        var before = await ScrapeAsync(edge);
        long bodyBytes;
        using (var response = await edge.GetAsync("w:100,f:webp", "flower.jpg"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodyBytes = (await response.Content.ReadAsByteArrayAsync()).Length;
        }

        var metrics = await ScrapeAsync(edge);

        // The one variant made is held in the memory tier, and counted with its body.
        Assert.Equal(1, metrics.ValueOf("edgeimages_cache_memory_entries"));
        Assert.InRange(metrics.ValueOf("edgeimages_cache_memory_size_bytes")!.Value, bodyBytes, bodyBytes + 4096);

        foreach (var stage in new[] { "fetch", "decode", "transform", "encode" })
        {
            // One miss made one variant: each stage recorded exactly once.
            Assert.Equal(1, Delta(before, metrics, "edgeimages_stage_duration_seconds_count", ("stage", stage)));
            Assert.Equal(1, Delta(before, metrics, "edgeimages_stage_duration_seconds_bucket", ("stage", stage), ("le", "+Inf")));
            // Seconds, not milliseconds: the buckets start at half a millisecond, a bound only a histogram in seconds has.
            // (How long a stage takes is measured in loadtests, not asserted here.)
            Assert.Contains(metrics, s => s.Name == "edgeimages_stage_duration_seconds_bucket" && s.Has(("stage", stage)) && BucketBound(s) < 0.001);
        }

        Assert.NotNull(metrics.ValueOf("edgeimages_transforms_queue_depth"));
        Assert.Equal(0, metrics.ValueOf("edgeimages_config_version"));
        var applied = metrics.ValueOf("edgeimages_config_applied_timestamp_seconds")!.Value;
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - applied, -1, 600);
        Assert.Contains(metrics, sample => sample.Name.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal));
        // Kestrel's memory pool meter records on every block rented and returned; it is left out of the export.
        Assert.DoesNotContain(metrics, sample => sample.Name.StartsWith("aspnetcore_memory_pool", StringComparison.Ordinal));
        // So is the host's count of requests in flight (EdgeTelemetry); the request duration histogram stays.
        Assert.DoesNotContain(metrics, sample => sample.Name.StartsWith("http_server_active_requests", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_OriginRefusesConnections_CountOriginErrorsByKind()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Origin:Destinations:a"] = $"http://127.0.0.1:{FreePort.Next()}/",
            ["Origin:Credential"] = "edge-credential",
            ["Origin:Retries"] = "0",
        };
        await using var edge = await EdgeServer.StartAsync(settings);
        var before = await ScrapeAsync(edge);

        using (var response = await edge.GetAsync("w:64", "nowhere.jpg"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }

        var after = await ScrapeAsync(edge);

        // No retries: one fetch, one attempt, refused.
        Assert.Equal(1, Delta(before, after, "edgeimages_origin_errors_total", ("kind", "transport")));
        Assert.Equal(1, Delta(before, after, "edgeimages_origin_errors_total"));
        Assert.Equal(1, Delta(before, after, "edgeimages_origin_requests_total"));
        Assert.Equal(1, Delta(before, after, "edgeimages_requests_total", ("status", "502"), ("cache", "miss")));
        Assert.Equal(1, Delta(before, after, "edgeimages_requests_total"));
    }

    [Fact]
    public async Task Metrics_ClientOverItsRate_CountRateLimited()
    {
        var settings = new Dictionary<string, string?> { ["RateLimiting:PerClientPerSecond"] = "1", ["RateLimiting:PerClientBurst"] = "1" };
        await using var edge = (await EdgeServer.StartAsync(settings)).WithOriginal("tiny.png", "tiny-2x3.png");
        var before = await ScrapeAsync(edge);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await edge.GetAsync("-", "tiny.png");
            statuses.Add(response.StatusCode);
        }

        var after = await ScrapeAsync(edge);

        // The bucket refills a token a second, so how many of the three got through depends on the machine; what the
        // edge counted must match what the client saw, one for one.
        var refused = statuses.Count(status => status == HttpStatusCode.TooManyRequests);
        Assert.InRange(refused, 1, 2);
        Assert.Equal(3 - refused, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(refused, Delta(before, after, "edgeimages_rate_limited_total"));
        Assert.Equal(refused, Delta(before, after, "edgeimages_requests_total", ("status", "429"), ("cache", "miss")));
        Assert.Equal(3, Delta(before, after, "edgeimages_requests_total"));
    }

    [Fact]
    public async Task Metrics_RedisUpThenKilled_ReportDependencyUpThenDown()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Caching:Redis"] = redis.Configuration,
            ["Telemetry:HealthPublishPeriod"] = "00:00:01",
        };
        await using var edge = await EdgeServer.StartAsync(settings);

        await WaitForAsync(edge, metrics => metrics.ValueOf("edgeimages_dependency_up", ("dependency", "redis")) == 1);
        await redis.KillAsync();
        await WaitForAsync(edge, metrics => metrics.ValueOf("edgeimages_dependency_up", ("dependency", "redis")) == 0);
    }

    [Fact]
    public async Task TwoEdgesInOneProcess_TrafficOnOne_OnlyItsMetricsCountIt_EvenAfterTheOtherStops()
    {
        await using var busy = (await EdgeServer.StartAsync()).WithOriginal("tiny.png", "tiny-2x3.png");
        var idle = await EdgeServer.StartAsync();
        IReadOnlyList<PrometheusSample> busyBefore, idleBefore, idleAfter;
        try
        {
            busyBefore = await ScrapeAsync(busy);
            idleBefore = await ScrapeAsync(idle);

            for (var i = 0; i < 4; i++)
            {
                using var response = await busy.GetAsync("w:2", "tiny.png");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            idleAfter = await ScrapeAsync(idle);
        }
        finally
        {
            // A host that stops disposes its meters; that must not end the series the other host exports.
            await idle.DisposeAsync();
        }

        var busyAfter = await ScrapeAsync(busy);

        Assert.Equal(1, Delta(busyBefore, busyAfter, "edgeimages_requests_total", ("cache", "miss")));
        Assert.Equal(3, Delta(busyBefore, busyAfter, "edgeimages_requests_total", ("cache", "hit-memory")));
        Assert.Equal(1, Delta(busyBefore, busyAfter, "edgeimages_cache_memory_entries"));
        Assert.Equal(4, Delta(busyBefore, busyAfter, "http_server_request_duration_seconds_count", ("http_route", "/{**imagePath}")));
        Assert.Equal(0, Delta(idleBefore, idleAfter, "edgeimages_requests_total"));
        Assert.Equal(0, Delta(idleBefore, idleAfter, "edgeimages_stage_duration_seconds_count"));
        Assert.Equal(0, Delta(idleBefore, idleAfter, "http_server_request_duration_seconds_count", ("http_route", "/{**imagePath}")));
        Assert.Equal(0, idleAfter.ValueOf("edgeimages_cache_memory_entries") ?? 0);
    }

    /// <summary>How much a series (summed over the matching labels) grew between two scrapes; absent counts as 0.</summary>
    internal static double Delta(
        IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after, string name, params (string Label, string Value)[] labels) =>
        (after.ValueOf(name, labels) ?? 0) - (before.ValueOf(name, labels) ?? 0);

    internal static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(EdgeServer edge)
    {
        using var response = await edge.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static double BucketBound(PrometheusSample sample) =>
        double.Parse(sample.Labels["le"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private static Task WaitForAsync(EdgeServer edge, Func<IReadOnlyList<PrometheusSample>, bool> condition) =>
        Eventually.WaitAsync(async () => condition(await ScrapeAsync(edge)), TimeSpan.FromSeconds(20), "the metric to reach the expected value", TimeSpan.FromMilliseconds(100));
}
