using System.Net;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Etcd.Purges;
using EdgeImages.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>The region's Redis tier with a real redis-server, killed and paused by the tests.</summary>
public sealed class RedisTierTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private EdgeServer _edgeA = null!;
    private EdgeServer _edgeB = null!;

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed; the servers must not outlive the test.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        _redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Caching:Redis"] = _redis.Configuration,
            ["Caching:RedisCooldown"] = "00:00:00.500",
            // These edges show which tier answers. On a loaded machine a first call to Redis can outrun the production
            // budget (50 ms) and read as a miss, which is right for production and wrong for these assertions; the
            // paused-Redis test starts an edge with the production budget of its own.
            ["Caching:RedisBudget"] = "00:00:02",
        };
        _edgeA = await EdgeServer.StartAsync(settings);
        _edgeB = await EdgeServer.StartAsync(settings);
        foreach (var edge in new[] { _edgeA, _edgeB })
        {
            edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg").WithOriginal("tiny.png", "tiny-2x3.png");
            await WaitForRedisReadyAsync(edge);
        }
    }

    /// <summary>The edge connects to Redis in the background at start; readiness says when it has.</summary>
    internal static Task WaitForRedisReadyAsync(EdgeServer edge) =>
        Eventually.WaitAsync(
            async () => (await edge.Client.GetStringAsync("/readyz")).Contains("\"redis\":{\"status\":\"Healthy\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the edge reporting Redis ready", TimeSpan.FromMilliseconds(50));

    public async Task DisposeAsync()
    {
        if (_edgeA is not null)
        {
            await _edgeA.DisposeAsync();
        }

        if (_edgeB is not null)
        {
            await _edgeB.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task SecondEdgeOfRegion_HitsRedis_ThenMemory()
    {
        using var a = await _edgeA.GetAsync("w:140,f:jpeg", "flower.jpg");
        await WaitForRedisKeyAsync("*w:140*");
        using var fromRedis = await _edgeB.GetAsync("w:140,f:jpeg", "flower.jpg");
        using var fromMemory = await _edgeB.GetAsync("w:140,f:jpeg", "flower.jpg");

        Assert.Equal("MISS", UrlContractTests.Header(a, "X-Cache"));
        // The miss's own timings survive the trip through L2 (HybridCache must not hand back a copy without them).
        Assert.DoesNotContain("decode;dur=0,", UrlContractTests.Header(a, "Server-Timing"), StringComparison.Ordinal);
        Assert.Equal("HIT-REDIS", UrlContractTests.Header(fromRedis, "X-Cache"));
        Assert.Equal(a.Headers.ETag, fromRedis.Headers.ETag);
        Assert.Equal(await a.Content.ReadAsByteArrayAsync(), await fromRedis.Content.ReadAsByteArrayAsync());
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(fromMemory, "X-Cache"));
    }

    [Fact]
    public async Task InfoAnswer_SecondEdgeOfRegion_HitsRedis_KeepsApplicationJson()
    {
        using var a = await _edgeA.GetAsync("w:90,f:json", "flower.jpg");
        await WaitForRedisKeyAsync("*f:json*");
        using var fromRedis = await _edgeB.GetAsync("w:90,f:json", "flower.jpg");

        Assert.Equal("HIT-REDIS", UrlContractTests.Header(fromRedis, "X-Cache"));
        Assert.Equal("application/json", fromRedis.Content.Headers.ContentType?.MediaType);
        Assert.Equal(a.Headers.ETag, fromRedis.Headers.ETag);
        Assert.Equal(await a.Content.ReadAsByteArrayAsync(), await fromRedis.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task RedisKilledUnderTraffic_EveryRequestSucceeds_AndTierComesBack()
    {
        var failures = 0;
        for (var i = 0; i < 60; i++)
        {
            if (i == 20)
            {
                await _redis.KillAsync();
            }

            using var response = await _edgeA.GetAsync($"w:{10 + (i % 7)},f:png", "tiny.png");
            failures += response.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }

        await _redis.StartAgainAsync();
        await WaitForRedisReadyAsync(_edgeA);
        await WaitForRedisReadyAsync(_edgeB);
        using var written = await _edgeA.GetAsync("w:150,f:jpeg", "flower.jpg");
        await WaitForRedisKeyAsync("*w:150*");
        using var backAgain = await _edgeB.GetAsync("w:150,f:jpeg", "flower.jpg");

        Assert.Equal(0, failures);
        Assert.Equal("HIT-REDIS", UrlContractTests.Header(backAgain, "X-Cache"));
    }

    [Fact]
    public async Task RedisPausedUnderTraffic_EveryRequestSucceeds()
    {
        // The production budget: a paused Redis must cost each request at most that, then nothing during the cooldown.
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Caching:Redis"] = _redis.Configuration,
            ["Caching:RedisCooldown"] = "00:00:00.500",
        });
        edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");
        await WaitForRedisReadyAsync(edge);
        using var warm = await _edgeA.GetAsync("w:120,f:jpeg", "flower.jpg");
        _redis.Pause();
        try
        {
            // A paused Redis keeps its socket open and never answers: the worst case for a client that waits.
            // Requests one after another: concurrency would test the transform queue, not Redis.
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 20; i++)
            {
                var url = edge.RawUri(edge.Url($"w:{100 + i},f:jpeg", "flower.jpg"));
                using var response = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), guard.Token);
                statuses.Add(response.StatusCode);
            }

            using var hit = await _edgeA.GetAsync("w:120,f:jpeg", "flower.jpg");

            Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
            Assert.Equal("HIT-MEMORY", UrlContractTests.Header(hit, "X-Cache"));
        }
        finally
        {
            _redis.Resume();
        }
    }

    [Fact]
    public async Task Purge_EvictsMemoryAndRedis_OnThePurgingEdge()
    {
        await using var admin = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Caching:Redis"] = _redis.Configuration,
        });
        admin.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");
        await WaitForRedisReadyAsync(admin);
        using var first = await admin.GetAsync("w:130,f:jpeg", "flower.jpg");
        using var cached = await admin.GetAsync("w:130,f:jpeg", "flower.jpg");

        var evicted = await admin.Services.GetRequiredService<IVariantCache>().PurgeAsync(PurgeTarget.ForOriginal(EdgeServer.Tenant, "flower.jpg"), CancellationToken.None);
        using var after = await admin.GetAsync("w:130,f:jpeg", "flower.jpg");

        Assert.Equal(1, evicted);
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(cached, "X-Cache"));
        Assert.Equal("MISS", UrlContractTests.Header(after, "X-Cache"));
    }

    /// <summary>
    /// L2 writes finish just after the response that caused them; waits until Redis holds a key matching
    /// <paramref name="pattern"/> before the other edge asks, so the test does not race the write.
    /// </summary>
    private Task WaitForRedisKeyAsync(string pattern) =>
        Eventually.WaitAsync(
            async () => await _redis.CommandAsync(CancellationToken.None, "KEYS", pattern) is { } reply && reply != "*0",
            TimeSpan.FromSeconds(5), $"Redis holding a key like {pattern}", TimeSpan.FromMilliseconds(50));
}
