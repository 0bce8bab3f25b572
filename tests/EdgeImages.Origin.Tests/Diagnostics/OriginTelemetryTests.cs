using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Origin.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Origin.Tests.Diagnostics;

/// <summary>
/// Tests that read <c>/metrics</c> run alone: meters are process-wide by name, so with several origins alive in one
/// test process each would export its neighbours' measurements too. One process is one service in production.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsRunAlone
{
    public const string Name = "Metrics (alone in the process)";
}

/// <summary>The origin's readiness, metrics and logs against a real PostgreSQL, over real HTTP.</summary>
[Collection(MetricsRunAlone.Name)]
public sealed class OriginTelemetryTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Dictionary<string, string?> QuickHealth = new() { ["Telemetry:HealthPublishPeriod"] = "00:00:01" };

    [Fact]
    public async Task Readyz_PostgresUp_HealthyWithPostgresqlCheck()
    {
        await using var origin = await OriginServer.StartAsync(postgres.Logins, QuickHealth);

        using var ready = await origin.Client.GetAsync("/readyz");
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("health").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("postgresql").GetProperty("status").GetString());
        Assert.Equal("no-store", ready.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task Metrics_PostgresUpThenPaused_DependencyUpThenDownAndReadyz503()
    {
        await using var origin = await OriginServer.StartAsync(postgres.Logins, QuickHealth);
        using (var live = await origin.Client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await WaitForAsync(origin, metrics => metrics.ValueOf("edgeimages_dependency_up", ("dependency", "postgresql")) == 1);
        var scraped = await ScrapeAsync(origin);
        Assert.Contains(scraped, sample => sample.Name == "http_server_request_duration_seconds_count" && sample.Has(("http_route", "/healthz")));

        postgres.Server.Pause();
        try
        {
            using var ready = await origin.Client.GetAsync("/readyz");
            var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("application/problem+json", ready.Content.Headers.ContentType!.MediaType);
            Assert.NotNull(ready.Headers.RetryAfter);
            Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("postgresql").GetProperty("status").GetString());
            // The description is fixed text: no host, port or connection string of the database.
            Assert.DoesNotContain(postgres.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body.ToString(), StringComparison.Ordinal);

            await WaitForAsync(origin, metrics => metrics.ValueOf("edgeimages_dependency_up", ("dependency", "postgresql")) == 0);
        }
        finally
        {
            postgres.Server.Resume();
        }
    }

    [Fact]
    public async Task RequestsWithKeysAndTokens_EveryLogLevel_NoSecretLogged()
    {
        using var logs = new CapturedLogs();
        await using var origin = await OriginServer.StartAsync(postgres.Logins, services: logs.AddTo);
        const string WrongKey = "ei_wrongkey5ec7e7_0123456789abcdef0123456789";
        var (key, _) = await origin.CreateKeyWithIdAsync("logs");

        using (var put = await origin.PutAsync("logs", "a.png", TestImages.Png, key))
        using (var read = await origin.EdgeGetAsync("/v1/logs/a.png"))
        using (var wrong = await origin.PutAsync("logs", "b.png", TestImages.Png, WrongKey))
        using (var wrongAdmin = await origin.SendAsync(HttpMethod.Post, "/v1/admin/tenants/logs/keys", WrongKey))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, wrongAdmin.StatusCode);
        }

        var text = logs.Text;
        Assert.Contains("/v1/{tenant}/{**path}", text, StringComparison.Ordinal); // the capture did see the requests
        foreach (var secret in new[] { key, WrongKey, OriginServer.AdminToken, OriginServer.EdgeToken })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(OriginServer origin)
    {
        using var response = await origin.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static Task WaitForAsync(OriginServer origin, Func<IReadOnlyList<PrometheusSample>, bool> condition) =>
        Eventually.WaitAsync(async () => condition(await ScrapeAsync(origin)), TimeSpan.FromSeconds(20), "the metric to reach the expected value", TimeSpan.FromMilliseconds(100));
}
