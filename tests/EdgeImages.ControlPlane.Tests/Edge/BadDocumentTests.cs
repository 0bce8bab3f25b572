using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Testing;
using Google.Protobuf;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace EdgeImages.ControlPlane.Tests.Edge;

/// <summary>
/// A document written straight into etcd that the edge cannot parse or that breaks a rule is refused loudly: the edge
/// keeps its last good value for that key and counts the refusal by kind; the admin API refuses the same content.
/// </summary>
[Collection(ScrapedMetrics.Name)]
public sealed class BadDocumentTests(Deployment world) : IClassFixture<Deployment>
{
    private static readonly EtcdKeys Keys = new("/edgeimages/");

    [Fact]
    public async Task TenantBreakingARule_WrittenStraightIntoEtcd_EdgeKeepsTheLastGoodAndCountsIt_ApiRefusesIt()
    {
        var admin = world.ControlPlane.Client;
        var edge = world.Frankfurt;
        (await admin.PutAsJsonAsync("/v1/tenants/strict", new { maxAgeSeconds = 120 })).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => edge.State.Get("strict").MaxAge == TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(20), "tenant strict at the edge");
        var before = await RejectedAsync(edge, "tenant");

        using var refused = await admin.PutAsJsonAsync("/v1/tenants/strict", new { maxAgeSeconds = 60, requestsPerSecond = 0 });
        await WriteAndSettleAsync(Keys.Tenant("strict"), """{"id":"strict","maxAgeSeconds":60,"requestsPerSecond":0}""");
        await WriteAndSettleAsync(Keys.Tenant("strict"), "{not json");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(120), edge.State.Get("strict").MaxAge);
        // Both edges of this world run in this process and OpenTelemetry listens to every meter of a name, so the
        // scrape counts both edges' refusals: at least this edge's two.
        Assert.True(await RejectedAsync(edge, "tenant") >= before + 2);
    }

    [Fact]
    public async Task SigningKeyThatDoesNotParse_WrittenStraightIntoEtcd_EdgeLeavesItOutAndCountsIt()
    {
        var edge = world.Ashburn;
        var before = await RejectedAsync(edge, "signing_key");

        await WriteAndSettleAsync(Keys.Key("garbage"), """{"kid":"garbage","state":"maybe","secret":""}""");

        Assert.False(edge.State.TryGetKey("garbage", out _));
        Assert.True(await RejectedAsync(edge, "signing_key") >= before + 1);
    }

    [Fact]
    public async Task BadDocumentOfEveryKind_WrittenStraightIntoEtcd_WarningNamesTheKey_CountedExactlyByKind_LastGoodKept()
    {
        // An edge of its own, whose warnings are captured and whose meter alone is read: the deltas are exact.
        var logs = new CapturedLogs();
        await using var edge = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-west", "fra", "fra-loud", logs: logs);
        using var rejected = new MetricCollector<long>(edge.Services.GetRequiredService<IMeterFactory>(), "EdgeImages.Edge", "edgeimages.config.rejected");
        var admin = world.ControlPlane.Client;
        using var etcd = new EtcdGateway(() => new EtcdConnectionSettings([new Uri(world.Etcd.Members[0].ClientUrl)], TimeSpan.FromSeconds(5)), TimeProvider.System);
        async Task PutAsync(string key, string value) => await etcd.PutAsync(key, ByteString.CopyFromUtf8(value), 0, CancellationToken.None);

        // Purge events: one not JSON, one naming no valid tenant.
        var unparsable = Keys.Purge(DateTimeOffset.UtcNow, "loud-unparsable");
        var invalid = Keys.Purge(DateTimeOffset.UtcNow, "loud-invalid");
        try
        {
            // A tenant: good through the API, then breaking a rule, then not JSON at all.
            (await admin.PutAsJsonAsync("/v1/tenants/loud", new { maxAgeSeconds = 120 })).EnsureSuccessStatusCode();
            await Eventually.WaitAsync(() => edge.State.Get("loud").MaxAge == TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(20), "tenant loud at the edge");
            await PutAsync(Keys.Tenant("loud"), """{"id":"loud","maxAgeSeconds":60,"requestsPerSecond":0}""");
            await WaitForAsync(rejected, "tenant", 1);
            await PutAsync(Keys.Tenant("loud"), "{not json");
            await WaitForAsync(rejected, "tenant", 2);
            Assert.Equal(TimeSpan.FromSeconds(120), edge.State.Get("loud").MaxAge);

            // A signing key under an id the rules refuse, and one that is not a key document.
            await PutAsync(Keys.Key("Bad_Kid"), """{"kid":"Bad_Kid","state":"active","secret":"x"}""");
            await PutAsync(Keys.Key("loud-garbage"), "[1,2,3]");
            await WaitForAsync(rejected, "signing_key", 2);
            Assert.False(edge.State.TryGetKey("Bad_Kid", out _));
            Assert.False(edge.State.TryGetKey("loud-garbage", out _));

            // The region's Redis generation: raised, then lowered, which would make older Redis entries readable again.
            await PutAsync(Keys.CacheGeneration("eu-west"), Json(new CacheGenerationDocument("eu-west", 7, "test", DateTimeOffset.UtcNow)));
            await Eventually.WaitAsync(() => edge.State.Snapshot.CacheGeneration == 7, TimeSpan.FromSeconds(20), "generation 7 at the edge");
            await PutAsync(Keys.CacheGeneration("eu-west"), Json(new CacheGenerationDocument("eu-west", 3, "test", DateTimeOffset.UtcNow)));
            await WaitForAsync(rejected, "cache_generation", 1);
            Assert.Equal(7, edge.State.Snapshot.CacheGeneration);

            await PutAsync(unparsable, "{not json");
            await PutAsync(invalid, Json(new PurgeDocument("loud-invalid", "Not A Tenant!", null, null, "tenant", "test", DateTimeOffset.UtcNow)));
            await WaitForAsync(rejected, "purge", 2);

            // Settled: a later good write was seen, and nothing was counted twice.
            (await admin.PutAsJsonAsync("/v1/tenants/loud-after", new { maxAgeSeconds = 30 })).EnsureSuccessStatusCode();
            await Eventually.WaitAsync(() => edge.State.Get("loud-after").MaxAge == TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), "tenant loud-after at the edge");
            Assert.Equal(2, Count(rejected, "tenant"));
            Assert.Equal(2, Count(rejected, "signing_key"));
            Assert.Equal(1, Count(rejected, "cache_generation"));
            Assert.Equal(2, Count(rejected, "purge"));
            foreach (var key in new[] { Keys.Tenant("loud"), Keys.Key("Bad_Kid"), Keys.Key("loud-garbage"), Keys.CacheGeneration("eu-west"), unparsable, invalid })
            {
                Assert.Contains(logs.Entries, entry => entry.StartsWith("Warning", StringComparison.Ordinal) && entry.Contains(key, StringComparison.Ordinal));
            }
        }
        finally
        {
            // The control plane's lists skip what does not read, but other tests of this world count and list documents: leave none behind.
            foreach (var key in new[] { Keys.Tenant("loud"), Keys.Key("Bad_Kid"), Keys.Key("loud-garbage"), unparsable, invalid })
            {
                await etcd.DeleteAsync(key, CancellationToken.None);
            }

            await PutAsync(Keys.CacheGeneration("eu-west"), Json(new CacheGenerationDocument("eu-west", 8, "test", DateTimeOffset.UtcNow)));
        }
    }

    [Fact]
    public async Task SameContentThroughTheAdminApi_400ProblemJson_NothingWritten()
    {
        var admin = world.ControlPlane.Client;

        using var ruleBreaking = await admin.PutAsJsonAsync("/v1/tenants/loud-api", new { maxAgeSeconds = 60, requestsPerSecond = 0 });
        using var notJson = await admin.PutAsync("/v1/tenants/loud-api", new StringContent("{not json", Encoding.UTF8, "application/json"));
        using var badKid = await admin.PostAsJsonAsync("/v1/keys", new { kid = "Bad_Kid", tenants = new[] { "acme" } });
        using var missing = await admin.GetAsync("/v1/tenants/loud-api");

        foreach (var response in new[] { ruleBreaking, notJson, badKid })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static string Json<T>(T document) => DocumentJson.Encode(document).ToStringUtf8();

    private static async Task WaitForAsync(MetricCollector<long> rejected, string kind, long count) =>
        await Eventually.WaitAsync(() => Count(rejected, kind) >= count, TimeSpan.FromSeconds(20), $"{count} {kind} refusal(s)");

    private static long Count(MetricCollector<long> rejected, string kind) =>
        rejected.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], kind)).Sum(m => m.Value);

    /// <summary>Writes <paramref name="json"/> under <paramref name="key"/>, then a good tenant after it: once both edges see that, they have seen the write.</summary>
    private async Task WriteAndSettleAsync(string key, string json)
    {
        using var etcd = new EtcdGateway(() => new EtcdConnectionSettings([new Uri(world.Etcd.Members[0].ClientUrl)], TimeSpan.FromSeconds(5)), TimeProvider.System);
        await etcd.PutAsync(key, ByteString.CopyFromUtf8(json), 0, CancellationToken.None);
        var sentinel = Random.Shared.Next(1, 100_000);
        (await world.ControlPlane.Client.PutAsJsonAsync("/v1/tenants/sentinel", new { maxAgeSeconds = sentinel })).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(
            () => new[] { world.Frankfurt, world.Ashburn }.All(e => e.State.Get("sentinel").MaxAge == TimeSpan.FromSeconds(sentinel)),
            TimeSpan.FromSeconds(20), "the sentinel tenant on both edges");
    }

    private static async Task<double> RejectedAsync(EdgeNode edge, string kind)
    {
        var samples = PrometheusText.Parse(await edge.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        return samples.Where(s => s.Name == "edgeimages_config_rejected_total" && s.Labels.TryGetValue("kind", out var k) && k == kind).Sum(s => s.Value);
    }
}
