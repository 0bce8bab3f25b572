using System.Net;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.RateLimiting;
using EdgeImages.Edge.Tenants;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;

namespace EdgeImages.Edge.Tests.RateLimiting;

/// <summary>Per-tenant quotas enforced by one edge (no Redis): the local bucket alone.</summary>
public sealed class TenantRateLimitTests
{
    private static readonly Dictionary<string, string?> AcmeQuota = new()
    {
        ["Tenants:acme:RequestsPerSecond"] = "1",
        ["Tenants:acme:Burst"] = "3",
    };

    [Fact]
    public async Task TenantOverQuota_MissesGet429ProblemWithRetryAfter_OtherTenantAndHealthUnaffected()
    {
        await using var edge = await EdgeServer.StartAsync(AcmeQuota);
        edge.WithOriginal("a.png", "tiny-2x3.png");
        WithOriginalOf(edge, "beta", "b.png", "tiny-2x3.png");

        // Six different variants: six misses, each a fetch and a transform that the quota pays for.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await edge.GetAsync($"w:{i + 1}", "a.png");
            statuses.Add(response.StatusCode);
        }

        using var limited = await edge.GetAsync("w:7", "a.png");
        var otherTenant = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url($"w:{i + 1}", "b.png", "beta", edge.PlatformKey))));
            otherTenant.Add(response.StatusCode);
        }

        // Three from the burst, perhaps one more refilled while the test ran; never all six.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 3, 4);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, s.ToString()));
        await UrlContractTests.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.All(otherTenant, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.OK, (await edge.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task CachedUrlReplayedFarPastTheQuota_EveryHitServed_QuotaStillBindsMisses()
    {
        await using var edge = await EdgeServer.StartAsync(AcmeQuota);
        edge.WithOriginal("a.png", "tiny-2x3.png");

        using (var first = await edge.GetAsync("w:2", "a.png"))
        {
            Assert.Equal("MISS", first.Headers.GetValues("X-Cache").Single());
        }

        // One public <img> URL replayed from one address, ten times the tenant's burst: hits cost the tenant nothing
        // (the per-client limit, generous by default, is what bounds a replay).
        var replays = new List<(HttpStatusCode Status, string Cache)>();
        for (var i = 0; i < 30; i++)
        {
            using var response = await edge.GetAsync("w:2", "a.png");
            replays.Add((response.StatusCode, response.Headers.GetValues("X-Cache").Single()));
        }

        // Real visitors asking for variants not yet made still find the quota the replay did not touch; it runs
        // out at its burst, as it should.
        var misses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await edge.GetAsync($"w:1,q:{50 + i}", "a.png");
            misses.Add(response.StatusCode);
        }

        Assert.All(replays, r => Assert.Equal((HttpStatusCode.OK, "HIT-MEMORY"), r));
        Assert.True(misses[0] == HttpStatusCode.OK && misses[1] == HttpStatusCode.OK, string.Join(",", misses));
        Assert.Contains(HttpStatusCode.TooManyRequests, misses);
    }

    [Fact]
    public async Task ForgedUrlsForTenant_DoNotSpendItsQuota()
    {
        await using var edge = await EdgeServer.StartAsync(AcmeQuota);
        edge.WithOriginal("a.png", "tiny-2x3.png");

        var forged = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            var genuineUrl = edge.Url("w:2", "a.png");
            var signatureEnd = genuineUrl.IndexOf('/', 1);
            var url = "/" + new string('A', signatureEnd - 1) + genuineUrl[signatureEnd..];
            using var response = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(url)));
            forged.Add(response.StatusCode);
        }

        var genuine = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await edge.GetAsync("w:2", "a.png");
            genuine.Add(response.StatusCode);
        }

        Assert.All(forged, s => Assert.Equal(HttpStatusCode.Forbidden, s));
        Assert.All(genuine, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public void Quota_NoRate_IsUnlimited_BurstBelowRate_IsRaisedToRate()
    {
        Assert.Null(TenantQuota.Of("t", new TenantSettings()));
        Assert.Null(TenantQuota.Of("t", new TenantSettings { RequestsPerSecond = 0, Burst = 10 }));
        Assert.Equal(new TenantQuota("t", 100, 100), TenantQuota.Of("t", new TenantSettings { RequestsPerSecond = 100 }));
        Assert.Equal(new TenantQuota("t", 100, 100), TenantQuota.Of("t", new TenantSettings { RequestsPerSecond = 100, Burst = 5 }));
        Assert.Equal(new TenantQuota("t", 100, 250), TenantQuota.Of("t", new TenantSettings { RequestsPerSecond = 100, Burst = 250 }));
    }

    [Fact]
    public async Task QuotaFromTenantSettings_CheckedPerTenant_NoRedis()
    {
        using var limiter = new TenantRateLimiter(new FixedTenants(new TenantSettings { RequestsPerSecond = 1, Burst = 2 }));

        await limiter.AcquireAsync("a", CancellationToken.None);
        await limiter.AcquireAsync("a", CancellationToken.None);
        var over = await Assert.ThrowsAsync<EdgeProblemException>(() => limiter.AcquireAsync("a", CancellationToken.None).AsTask());
        await limiter.AcquireAsync("b", CancellationToken.None);

        Assert.Equal(429, over.Status);
        Assert.True(over.RetryAfter >= TimeSpan.FromSeconds(1));
    }

    internal static void WithOriginalOf(EdgeServer edge, string tenant, string path, string testImage)
    {
        var file = Path.Combine(edge.OriginalsFolder, tenant, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, TestImages.Read(testImage));
    }

    private sealed class FixedTenants(TenantSettings settings) : ITenantSettingsProvider
    {
        public TenantSettings Get(string tenant) => settings;
    }
}
