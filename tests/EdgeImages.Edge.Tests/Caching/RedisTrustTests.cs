using System.Net;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Testing;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Time.Testing;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>What comes back from the region's (real) Redis: its age travels with it, and a poisoned entry is not served.</summary>
public sealed class RedisTrustTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private async Task<EdgeServer> StartEdgeAsync(TimeProvider? time = null)
    {
        var edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Caching:Redis"] = _redis.Configuration, ["Caching:RedisBudget"] = "00:00:02" },
            services =>
            {
                if (time is not null)
                {
                    services.AddSingleton(time);
                }
            });
        edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");
        await RedisTierTests.WaitForRedisReadyAsync(edge);
        return edge;
    }

    [Fact]
    public async Task VariantMadeOnOneEdge_ReadFromRedisByAnother_CarriesItsTrueAge()
    {
        var start = DateTimeOffset.UtcNow;
        var timeA = new FakeTimeProvider(start);
        var timeB = new FakeTimeProvider(start);
        await using var edgeA = await StartEdgeAsync(timeA);
        await using var edgeB = await StartEdgeAsync(timeB);
        using var made = await edgeA.GetAsync("w:150,f:jpeg", "flower.jpg");
        await WaitForKeyAsync("*w:150*");

        timeB.Advance(TimeSpan.FromSeconds(42));
        using var fromRedis = await edgeB.GetAsync("w:150,f:jpeg", "flower.jpg");

        Assert.Equal("MISS", UrlContractTests.Header(made, "X-Cache"));
        Assert.Equal("HIT-REDIS", UrlContractTests.Header(fromRedis, "X-Cache"));
        Assert.Equal(TimeSpan.FromSeconds(42), fromRedis.Headers.Age);
    }

    [Fact]
    public async Task PoisonedEntryInRedis_WithAContentTypeTheEdgeNeverWrites_IsAMissAndNeverServed()
    {
        await using var edgeA = await StartEdgeAsync();
        using (var made = await edgeA.GetAsync("w:160,f:jpeg", "flower.jpg"))
        {
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        // Overwrite the variant in Redis, through HybridCache's own framing, with HTML.
        var key = await WaitForKeyAsync("*w:160*");
        await using (var poisoner = Poisoner())
        {
            var hybrid = poisoner.GetRequiredService<HybridCache>();
            var html = new CachedVariant("<script>alert(1)</script>"u8.ToArray(), "text/html", "\"AAAAAAAAAAAAAAAAAAAAAA\"", default(StageTimings)) { MadeAt = DateTimeOffset.UtcNow };
            await hybrid.SetAsync(key["edge:".Length..], html, new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), Flags = HybridCacheEntryFlags.DisableLocalCache });
        }

        await using var edgeB = await StartEdgeAsync();
        using var answer = await edgeB.GetAsync("w:160,f:jpeg", "flower.jpg");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("image/jpeg", answer.Content.Headers.ContentType!.MediaType);
        Assert.Equal("MISS", UrlContractTests.Header(answer, "X-Cache"));
    }

    private ServiceProvider Poisoner()
    {
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(options =>
        {
            options.Configuration = _redis.Configuration;
            options.InstanceName = "edge:";
        });
        services.AddHybridCache(options => options.MaximumKeyLength = 4096).AddSerializer<CachedVariant, CachedVariantSerializer>();
        return services.BuildServiceProvider();
    }

    private async Task<string> WaitForKeyAsync(string pattern)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            // "*1\r\n$<length>\r\n<key>\r\n"
            var reply = (await _redis.ReplyAsync(CancellationToken.None, "KEYS", pattern)).Split("\r\n");
            if (reply.Length >= 3 && reply[0] != "*0")
            {
                return reply[2];
            }

            await Task.Delay(50);
        }

        Assert.Fail($"Redis never held a key like {pattern}.");
        return "";
    }
}
