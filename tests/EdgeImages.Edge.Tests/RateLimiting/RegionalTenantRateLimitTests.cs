using System.Net;
using EdgeImages.Edge.Tests.Caching;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.RateLimiting;

/// <summary>A tenant quota shared by the edges of a region through a real redis-server.</summary>
public sealed class RegionalTenantRateLimitTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private Dictionary<string, string?> Settings(int perSecond, int burst, string budget = "00:00:02") => new()
    {
        ["Caching:Redis"] = _redis.Configuration,
        ["Tenants:acme:RequestsPerSecond"] = perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tenants:acme:Burst"] = burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimiting:RegionalCooldown"] = "00:00:30",
        // Generous here: a first call pays for JIT and the script load, and on a busy test machine that can pass
        // the 50 ms default, which would (rightly) fall back to the local bucket and hide the shared one.
        ["RateLimiting:RegionalBudget"] = budget,
    };

    [Fact]
    public async Task TwoEdgesOfRegion_ShareOneTenantQuota_ThroughRedis()
    {
        await using var edgeA = await EdgeServer.StartAsync(Settings(perSecond: 1, burst: 6));
        await using var edgeB = await EdgeServer.StartAsync(Settings(perSecond: 1, burst: 6));
        foreach (var edge in new[] { edgeA, edgeB })
        {
            edge.WithOriginal("a.png", "tiny-2x3.png");
            await RedisTierTests.WaitForRedisReadyAsync(edge);
        }

        // Misses only (the quota pays for work, not hits): variants w:1..6 on A, w:7..12 on B.
        var onA = await StatusesAsync(edgeA, 6);
        var onB = await StatusesAsync(edgeB, 6, firstWidth: 7);

        // A spends the region's burst; B's own bucket is full, yet the region's refuses all but what refilled
        // (about one a second) while the test ran.
        Assert.All(onA, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(onB.Count(s => s == HttpStatusCode.TooManyRequests) >= 4, string.Join(",", onB));
        Assert.All(onB, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, s.ToString()));
    }

    [Fact]
    public async Task RedisKilled_TenantQuotaFailsOpenToLocalBucket_NoErrors()
    {
        await using var edge = await EdgeServer.StartAsync(Settings(perSecond: 1, burst: 3));
        edge.WithOriginal("a.png", "tiny-2x3.png");
        await RedisTierTests.WaitForRedisReadyAsync(edge);
        await _redis.KillAsync();

        var statuses = await StatusesAsync(edge, 6);

        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 3, 4);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, s.ToString()));
        Assert.Equal(HttpStatusCode.OK, (await edge.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task RedisPaused_TenantQuotaCheckDoesNotWaitOnIt()
    {
        await using var edge = await EdgeServer.StartAsync(Settings(perSecond: 100, burst: 100, budget: "00:00:00.050"));
        edge.WithOriginal("a.png", "tiny-2x3.png");
        await RedisTierTests.WaitForRedisReadyAsync(edge);

        _redis.Pause();
        try
        {
            // Misses, so every request checks the quota (and looks in L2, which has its own budget and breaker).
            // One request pays the 50 ms budget and opens the breaker; the rest skip Redis. Speed is not asserted
            // here (tests never assert on wall-clock time); a client that waited on the paused Redis would instead
            // hang until its own timeout, which the test's overall run would show.
            var statuses = await StatusesAsync(edge, 10);

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        }
        finally
        {
            _redis.Resume();
        }
    }

    /// <summary>Requests <paramref name="count"/> different variants (<c>w:{firstWidth}</c> onwards): each a miss.</summary>
    private static async Task<List<HttpStatusCode>> StatusesAsync(EdgeServer edge, int count, int firstWidth = 1)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await edge.GetAsync($"w:{firstWidth + i}", "a.png");
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
