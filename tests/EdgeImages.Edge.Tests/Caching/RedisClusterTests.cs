using System.Globalization;
using System.Net;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Tests.RateLimiting;
using EdgeImages.Etcd.Purges;
using EdgeImages.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// A region's L2 on a real Redis Cluster (three primaries with a replica each, TLS, the region's ACL user), the edge
/// configured exactly as for one Redis: variants land in slots on every primary, and hits, fills, tag purges, the
/// regional quota and the purge mark work across them. A command whose keys crossed slots would fail (CROSSSLOT) and
/// show here as a miss, a purge that did not evict, or a quota that fell back to the edge's own bucket.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RedisClusterTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    // Enough variants that their keys hash to slots of all three primaries (the slots are fixed, so this is not luck).
    private const int Variants = 24;

    [Fact]
    public async Task Cluster_SecondEdgeOfRegion_HitsVariantsOnEveryPrimary()
    {
        await using var edgeA = await StartEdgeAsync("spread.png");
        await using var edgeB = await StartEdgeAsync("spread.png");

        var fills = await GetAllAsync(edgeA, "spread.png");
        var perPrimary = await WaitForVariantsAsync("spread.png");
        var hits = await GetAllAsync(edgeB, "spread.png");

        Assert.All(fills, response => Assert.Equal("MISS", response.Cache));
        Assert.Equal(RedisCluster.PrimaryCount, perPrimary.Count(count => count > 0));
        Assert.All(hits, response => Assert.Equal("HIT-REDIS", response.Cache));
        Assert.Equal(fills.Select(response => response.ETag), hits.Select(response => response.ETag));
    }

    [Fact]
    public async Task Cluster_TagPurgeOnOneEdge_EvictsVariantsOnEveryPrimary_AndNothingElse()
    {
        await using var edgeA = await StartEdgeAsync("purged.png", "kept.png");
        await GetAllAsync(edgeA, "purged.png");
        await GetAllAsync(edgeA, "kept.png");
        var perPrimary = await WaitForVariantsAsync("purged.png");
        await WaitForVariantsAsync("kept.png");

        // The purging edge evicts by tag; an edge that never held these variants in memory then asks L2 for them.
        await edgeA.Services.GetRequiredService<IVariantCache>().PurgeAsync(PurgeTarget.ForOriginal(EdgeServer.Tenant, "purged.png"), CancellationToken.None);
        await using var edgeB = await StartEdgeAsync("purged.png", "kept.png");
        var purged = await GetAllAsync(edgeB, "purged.png");
        var kept = await GetAllAsync(edgeB, "kept.png");

        Assert.Equal(RedisCluster.PrimaryCount, perPrimary.Count(count => count > 0));
        Assert.All(purged, response => Assert.Equal("MISS", response.Cache));
        Assert.All(kept, response => Assert.Equal("HIT-REDIS", response.Cache));
    }

    [Fact]
    public async Task Cluster_TwoEdgesOfRegion_ShareOneTenantQuota_BothKeysInOneSlot()
    {
        var onB = await SharedTenantQuota.SpendOnOneEdgeThenAskTheOtherAsync(fixture.EdgeSettings(), "quota.png");

        // RedisRateLimiting's token bucket keeps two keys, rl:tb:{partition} and rl:tb:{partition}:ts, read and written
        // by one script: the braces make them one hash tag, so one slot on one primary.
        var bucket = await fixture.Cluster.PrimaryOfAsync("rl:tb:{edge:tenant-quota:acme}");
        var timestamp = await fixture.Cluster.PrimaryOfAsync("rl:tb:{edge:tenant-quota:acme}:ts");

        // B's own bucket is full; only the region's bucket, in the cluster, can refuse it.
        Assert.True(onB.Count(s => s == HttpStatusCode.TooManyRequests) >= 2, string.Join(",", onB));
        Assert.NotNull(bucket);
        Assert.Same(bucket, timestamp);
        Assert.Equal(":1", await bucket.CommandAsync(CancellationToken.None, "EXISTS", "rl:tb:{edge:tenant-quota:acme}:ts"));
    }

    [Fact]
    public async Task Cluster_PurgeMark_RecordedByEdges_OnlyRises()
    {
        await using var edgeA = await StartEdgeAsync("mark.png");
        await using var edgeB = await StartEdgeAsync("mark.png");
        // The mark as the purge applier keeps it (registered with a control plane, which these edges have not), on each
        // edge's own connection to the cluster.
        var markA = new RegionPurgeMark(edgeA.Services.GetRequiredService<RedisConnection>());
        var markB = new RegionPurgeMark(edgeB.Services.GetRequiredService<RedisConnection>());

        await markA.RecordAsync(1_000_005);
        await markB.RecordAsync(1_000_003);
        var readByB = await markB.ReadAsync();
        var holder = await fixture.Cluster.PrimaryOfAsync(RegionPurgeMark.Key);

        Assert.Equal(1_000_005, readByB);
        Assert.NotNull(holder);
        Assert.Equal("1000005", (await holder.ReplyAsync(CancellationToken.None, "GET", RegionPurgeMark.Key)).Split("\r\n")[1]);
    }

    private async Task<EdgeServer> StartEdgeAsync(params string[] originals)
    {
        var edge = await EdgeServer.StartAsync(fixture.EdgeSettings());
        foreach (var original in originals)
        {
            edge.WithOriginal(original, "tiny-2x3.png");
        }

        await RedisTierTests.WaitForRedisReadyAsync(edge);
        return edge;
    }

    /// <summary>Every variant (<c>w:301</c>… one per width) of <paramref name="original"/>, in order, all of which must be 200.</summary>
    private static async Task<List<(string Cache, string? ETag)>> GetAllAsync(EdgeServer edge, string original)
    {
        var answers = new List<(string, string?)>();
        for (var i = 0; i < Variants; i++)
        {
            using var response = await edge.GetAsync(string.Create(CultureInfo.InvariantCulture, $"w:{301 + i},f:png"), original);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add((UrlContractTests.Header(response, "X-Cache") ?? "", response.Headers.ETag?.Tag));
        }

        return answers;
    }

    /// <summary>L2 writes finish just after the response: waits until the cluster holds every variant, and says where.</summary>
    private async Task<int[]> WaitForVariantsAsync(string original)
    {
        var perPrimary = Array.Empty<int>();
        await Eventually.WaitAsync(
            async () => (perPrimary = await fixture.VariantsPerPrimaryAsync(original)).Sum() == Variants,
            TimeSpan.FromSeconds(10), $"the cluster holding all {Variants} variants of {original}", TimeSpan.FromMilliseconds(50));
        return perPrimary;
    }
}
