using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>The edge's <c>/metrics</c> over HTTP, scraped as Prometheus scrapes it, after real traffic.</summary>
[Collection(MetricsRunAlone.Name)]
public sealed class MetricsEndpointTests
{

    [Fact]
    public async Task Metrics_AfterMissHitAndForbidden_CountRequestsByStatusAndCacheTier()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");

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

        var metrics = await ScrapeAsync(edge);

        Assert.Equal(1, metrics.ValueOf("edgeimages_requests_total", ("status", "200"), ("cache", "miss")));
        Assert.Equal(1, metrics.ValueOf("edgeimages_requests_total", ("status", "200"), ("cache", "hit-memory")));
        Assert.Equal(1, metrics.ValueOf("edgeimages_requests_total", ("status", "403"), ("cache", "miss")));
        // The scrape itself, health and the demo page are not image traffic.
        Assert.Equal(3, metrics.ValueOf("edgeimages_requests_total"));
    }

    [Fact]
    public async Task Metrics_AfterTransform_HaveStageHistogramsInSecondsAndTheMemoryTierSize()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");
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
            Assert.True(metrics.ValueOf("edgeimages_stage_duration_seconds_count", ("stage", stage)) >= 1, stage);
            Assert.True(metrics.ValueOf("edgeimages_stage_duration_seconds_bucket", ("stage", stage), ("le", "+Inf")) >= 1, stage);
            // Seconds, not milliseconds: decoding a 3 MP photo takes far less than 10 s.
            Assert.True(metrics.ValueOf("edgeimages_stage_duration_seconds_sum", ("stage", stage)) < 10, stage);
        }

        Assert.NotNull(metrics.ValueOf("edgeimages_transforms_queue_depth"));
        Assert.Equal(0, metrics.ValueOf("edgeimages_config_version"));
        var applied = metrics.ValueOf("edgeimages_config_applied_timestamp_seconds")!.Value;
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - applied, -1, 600);
        Assert.Contains(metrics, sample => sample.Name.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal));
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

        using (var response = await edge.GetAsync("w:64", "nowhere.jpg"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }

        var metrics = await ScrapeAsync(edge);

        Assert.True(metrics.ValueOf("edgeimages_origin_errors_total", ("kind", "transport")) >= 1);
        Assert.True(metrics.ValueOf("edgeimages_origin_requests_total") >= 1);
        Assert.True(metrics.ValueOf("edgeimages_requests_total", ("status", "502")) >= 1);
    }

    [Fact]
    public async Task Metrics_ClientOverItsRate_CountRateLimited()
    {
        var settings = new Dictionary<string, string?> { ["RateLimiting:PerClientPerSecond"] = "1", ["RateLimiting:PerClientBurst"] = "1" };
        await using var edge = (await EdgeServer.StartAsync(settings)).WithOriginal("tiny.png", "tiny-2x3.png");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await edge.GetAsync("-", "tiny.png");
            statuses.Add(response.StatusCode);
        }

        var metrics = await ScrapeAsync(edge);

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.True(metrics.ValueOf("edgeimages_rate_limited_total") >= 1);
        Assert.True(metrics.ValueOf("edgeimages_requests_total", ("status", "429")) >= 1);
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

    internal static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(EdgeServer edge)
    {
        using var response = await edge.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task WaitForAsync(EdgeServer edge, Func<IReadOnlyList<PrometheusSample>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition(await ScrapeAsync(edge)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The metric never reached the expected value.");
            await Task.Delay(100);
        }
    }
}
