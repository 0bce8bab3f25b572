using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// <c>/readyz</c> on ASP.NET Core health checks: an edge whose Redis or origin is away still serves (cache, stale
/// copies), so it reports itself degraded with a 200 and stays in rotation; the metrics say which dependency is down.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_NoOriginNodeAnswers_DegradedButReadyAndOriginDown()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Origin:Destinations:a"] = $"http://127.0.0.1:{FreePort.Next()}/",
            ["Origin:Credential"] = "edge-credential",
            ["Origin:HealthCheckInterval"] = "00:00:00.200",
            ["Telemetry:HealthPublishPeriod"] = "00:00:01",
        };
        await using var edge = await EdgeServer.StartAsync(settings);

        var body = await WaitForReadinessAsync(edge, "origin", "Degraded");

        Assert.Equal("Degraded", body.GetProperty("health").GetString());
        Assert.Equal("0 of 1 origin nodes reachable.", body.GetProperty("checks").GetProperty("origin").GetProperty("description").GetString());
        await WaitForMetricAsync(edge, "origin", 0);
    }

    [Fact]
    public async Task Readyz_RedisKilled_DegradedButReady()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Caching:Redis"] = redis.Configuration });
        await WaitForReadinessAsync(edge, "redis", "Healthy");

        await redis.KillAsync();
        var body = await WaitForReadinessAsync(edge, "redis", "Degraded");

        Assert.Equal("Degraded", body.GetProperty("health").GetString());
    }

    [Fact]
    public async Task Healthz_AnyDependency_AnswersWithoutRunningChecks()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Caching:Redis"] = $"127.0.0.1:{FreePort.Next()}" });

        using var live = await edge.Client.GetAsync("/healthz");
        var body = await live.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Empty(body.GetProperty("checks").EnumerateObject());
    }

    private static Task<JsonElement> WaitForReadinessAsync(EdgeServer edge, string check, string status) =>
        Eventually.ValueAsync(
            async () =>
            {
                using var response = await edge.Client.GetAsync("/readyz");
                // Degraded is still ready: 200, so that load balancers and deploy.ps1 keep the edge in rotation.
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            },
            body => body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString() == status,
            TimeSpan.FromSeconds(20), $"/readyz reporting {check} {status}", TimeSpan.FromMilliseconds(100));

    private static Task WaitForMetricAsync(EdgeServer edge, string dependency, double value) =>
        Eventually.WaitAsync(
            async () => (await MetricsEndpointTests.ScrapeAsync(edge)).ValueOf("edgeimages_dependency_up", ("dependency", dependency)) == value,
            TimeSpan.FromSeconds(20), $"edgeimages_dependency_up{{dependency=\"{dependency}\"}} to become {value}", TimeSpan.FromMilliseconds(100));
}
