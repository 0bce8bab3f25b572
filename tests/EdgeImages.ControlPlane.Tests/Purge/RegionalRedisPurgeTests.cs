using System.Net;
using System.Net.Http.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Testing;

namespace EdgeImages.ControlPlane.Tests.Purge;

/// <summary>Two edges of one region sharing its real Redis: a purge must empty that tier too, not just memory.</summary>
public sealed class RegionalRedisPurgeTests(Deployment world) : IClassFixture<Deployment>
{
    [Fact]
    public async Task Purge_EvictsTheRegionsRedisTier_NotOnlyMemory()
    {
        await using var redis = await RedisServer.StartAsync();
        // A generous Redis budget: on a loaded test machine the default 50 ms would drop writes (by design, as misses).
        var settings = new Dictionary<string, string?> { ["Caching:Redis"] = redis.Configuration, ["Caching:RedisBudget"] = "00:00:02" };
        await using var first = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-west", "fra", "fra-redis-1", settings: settings);
        await using var second = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-west", "fra", "fra-redis-2", settings: settings);
        const string Image = "photos/dog.jpg";

        var options = await WarmIntoRedisAsync(first, redis, Image);

        // The second edge finds it there: the tier is really in use.
        Assert.Equal("HIT-REDIS", await CacheStatusAsync(second, options, Image));

        var applied = new[] { first, second }.Select(e => WaitPurgedAsync(e.Purges)).ToArray();
        (await world.ControlPlane.Client.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = Image })).EnsureSuccessStatusCode();
        await Task.WhenAll(applied).WaitAsync(TimeSpan.FromSeconds(20));

        // The second edge held it in memory and could find it in Redis: a miss now means both tiers were purged.
        Assert.Equal("MISS", await CacheStatusAsync(second, options, Image));
    }

    [Fact]
    public async Task PurgeWhileEveryEdgeOfTheRegionIsDown_AnEdgeStarts_ReplaysItIntoTheRegionsRedis()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["Caching:Redis"] = redis.Configuration, ["Caching:RedisBudget"] = "00:00:02" };
        const string Image = "photos/cat.jpg";
        string options;
        await using (var first = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-north", "arn", "arn-redis-1", settings: settings))
        {
            options = await WarmIntoRedisAsync(first, redis, Image);
        }

        // No edge of the region runs while the purge is issued: none can evict it from the region's Redis now.
        var markBefore = await MarkAsync(redis);
        Assert.True(markBefore > 0, "the first edge marked the region's Redis");
        (await world.ControlPlane.Client.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = Image })).EnsureSuccessStatusCode();

        await using var second = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-north", "arn", "arn-redis-2", settings: settings);
        // The mark rises once the starting edge has caught up with the log, the missed purge included.
        await Eventually.WaitAsync(async () => await MarkAsync(redis) > markBefore, TimeSpan.FromSeconds(20), "region's purge mark raised");

        Assert.Equal("MISS", await CacheStatusAsync(second, options, Image));
    }

    /// <summary>
    /// Asks <paramref name="edge"/> for new variants of <paramref name="path"/> (each a miss) until one has landed in the
    /// region's Redis, and answers the options of the variants asked for last.
    /// </summary>
    private static async Task<string> WarmIntoRedisAsync(EdgeNode edge, RedisServer redis, string path)
    {
        var width = 120;
        var options = "";
        await Eventually.WaitAsync(async () =>
        {
            options = $"w:{width++}";
            Assert.Equal("MISS", await CacheStatusAsync(edge, options, path));
            await Task.Delay(200);
            return await redis.CommandAsync(CancellationToken.None, "DBSIZE") != ":0";
        }, TimeSpan.FromSeconds(20), "variant in Redis");
        return options;
    }

    private static async Task<long> MarkAsync(RedisServer redis)
    {
        // A bulk string reply: "$N\r\nVALUE\r\n", or "$-1" when the key does not exist.
        var reply = await redis.ReplyAsync(CancellationToken.None, "GET", RegionPurgeMark.Key);
        var lines = reply.Split("\r\n");
        return lines[0] == "$-1" ? 0 : long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string?> CacheStatusAsync(EdgeNode edge, string options, string path)
    {
        using var response = await edge.GetStaticAsync(options, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("X-Cache", out var values) ? values.First() : null;
    }

    private static Task WaitPurgedAsync(PurgeApplier agent)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Purged += _ => done.TrySetResult();
        return done.Task;
    }
}
