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
        var settings = new Dictionary<string, string?> { ["Caching:Redis"] = redis.Configuration };
        await using var first = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-west", "fra", "fra-redis-1", settings: settings);
        await using var second = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-west", "fra", "fra-redis-2", settings: settings);
        const string Options = "w:123";
        const string Image = "photos/dog.jpg";

        Assert.Equal("MISS", await CacheStatusAsync(first, Options, Image));
        // The second edge finds it in the region's Redis (once the first edge's write has landed): the tier is in use.
        await Eventually.WaitAsync(async () => await redis.CommandAsync(CancellationToken.None, "DBSIZE") != ":0", TimeSpan.FromSeconds(10), "variant in Redis");
        Assert.Equal("HIT-REDIS", await CacheStatusAsync(second, Options, Image));

        var applied = new[] { first, second }.Select(e => WaitPurgedAsync(e.Agent)).ToArray();
        (await world.ControlPlane.Client.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = Image })).EnsureSuccessStatusCode();
        await Task.WhenAll(applied).WaitAsync(TimeSpan.FromSeconds(20));

        // Neither memory nor Redis holds it any more: a third edge of the region misses as well.
        await using var third = await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-west", "fra", "fra-redis-3", settings: settings);
        Assert.Equal("MISS", await CacheStatusAsync(third, Options, Image));
        Assert.Equal("MISS", await CacheStatusAsync(first, "w:124", Image));
        Assert.StartsWith("HIT", await CacheStatusAsync(first, Options, Image), StringComparison.Ordinal);
    }

    private static async Task<string?> CacheStatusAsync(EdgeNode edge, string options, string path)
    {
        using var response = await edge.GetStaticAsync(options, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("X-Cache", out var values) ? values.First() : null;
    }

    private static Task WaitPurgedAsync(EdgeAgent agent)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Purged += _ => done.TrySetResult();
        return done.Task;
    }
}
