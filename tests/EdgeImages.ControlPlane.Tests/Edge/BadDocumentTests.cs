using System.Net;
using System.Net.Http.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd;
using EdgeImages.Testing;
using Google.Protobuf;

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
