using System.Net;
using EdgeImages.Edge.Tests.Caching;
using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.RateLimiting;

/// <summary>
/// The regional-quota scenario that each kind of regional Redis (TLS, cluster) is checked with: two edges of one region,
/// tenant <c>acme</c> at one request a second with a burst of four. Edge A spends the burst on four misses, then edge
/// B asks for four more: B's own bucket is still full, so every 429 among B's answers comes from the region's bucket.
/// </summary>
internal static class SharedTenantQuota
{
    /// <returns>B's answers, in order.</returns>
    public static async Task<List<HttpStatusCode>> SpendOnOneEdgeThenAskTheOtherAsync(Dictionary<string, string?> settings, string original)
    {
        settings["Tenants:acme:RequestsPerSecond"] = "1";
        settings["Tenants:acme:Burst"] = "4";
        settings["RateLimiting:RegionalCooldown"] = "00:00:30";
        // Generous: a TLS handshake and a first script load on a busy machine may pass the 50 ms production budget,
        // which would (rightly) fall back to the edge's own bucket and hide the region's.
        settings["RateLimiting:RegionalBudget"] = "00:00:02";
        await using var edgeA = await EdgeServer.StartAsync(settings);
        await using var edgeB = await EdgeServer.StartAsync(settings);
        foreach (var edge in new[] { edgeA, edgeB })
        {
            edge.WithOriginal(original, "tiny-2x3.png");
            await RedisTierTests.WaitForRedisReadyAsync(edge);
        }

        for (var width = 1; width <= 4; width++)
        {
            using var spent = await edgeA.GetAsync($"w:{width}", original);
            Assert.Equal(HttpStatusCode.OK, spent.StatusCode);
        }

        var onB = new List<HttpStatusCode>();
        for (var width = 5; width <= 8; width++)
        {
            using var response = await edgeB.GetAsync($"w:{width}", original);
            onB.Add(response.StatusCode);
        }

        return onB;
    }
}
