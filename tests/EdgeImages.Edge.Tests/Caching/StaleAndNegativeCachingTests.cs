using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Origin;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// Negative caching and RFC 5861 stale answers, against a real origin node behind a <see cref="FaultyTcpProxy"/> that
/// counts the requests reaching it. Time moves by a <see cref="FakeTimeProvider"/>, so nothing here waits on the clock.
/// </summary>
[Collection(SharedOriginCluster.Name)]
public sealed class StaleAndNegativeCachingTests(OriginClusterCollectionFixture cluster) : IAsyncLifetime
{
    private readonly OriginClusterFixture _origin = cluster.Origin;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private FaultyTcpProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = FaultyTcpProxy.Start(_origin.NodeA.Address);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    private Task<EdgeServer> StartEdgeAsync(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Origin:Destinations:a"] = _proxy.Address.ToString(),
            ["Origin:Credential"] = OriginClusterFixture.EdgeCredential,
            ["Origin:Retries"] = "0",
            ["Tenants:acme:MaxAge"] = "00:01:00",
            ["Tenants:acme:StaleWhileRevalidate"] = "00:05:00",
            ["Tenants:acme:StaleIfError"] = "02:00:00",
            // A thousand requests from one address would meet the per-client limit, which is not under test here.
            ["RateLimiting:PerClientPerSecond"] = "0",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return EdgeServer.StartAsync(settings, services => services.AddSingleton<TimeProvider>(_time));
    }

    [Fact]
    public async Task HundredRequestsForAMissingOriginal_OneOriginRequestPerNegativeTtl()
    {
        await using var edge = await StartEdgeAsync(("Caching:NotFoundMaxAge", "00:01:00"));

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => StatusAsync(edge, "w:100", "photos/missing.jpg")));
        var otherVariants = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => StatusAsync(edge, $"w:{101 + i}", "photos/missing.jpg")));
        var withinTtl = _proxy.RequestsContaining("/v1/acme/photos/missing.jpg");
        _time.Advance(TimeSpan.FromSeconds(61));
        var afterTtl = await StatusAsync(edge, "w:100", "photos/missing.jpg");

        Assert.All(concurrent.Concat(otherVariants).Append(afterTtl), status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.Equal(1, withinTtl);
        Assert.Equal(2, _proxy.RequestsContaining("/v1/acme/photos/missing.jpg"));
    }

    [Fact]
    public async Task MissingOriginal_AskedAgainWithinTtl_HitMemoryWithAge_FirstStaysMiss()
    {
        await using var edge = await StartEdgeAsync(("Caching:NotFoundMaxAge", "00:01:00"));

        using var first = await edge.GetAsync("w:100", "photos/absent-negative.jpg");
        _time.Advance(TimeSpan.FromSeconds(7));
        using var second = await edge.GetAsync("w:120", "photos/absent-negative.jpg");

        await UrlContractTests.AssertProblemAsync(first, HttpStatusCode.NotFound, expectNoStore: false);
        await UrlContractTests.AssertProblemAsync(second, HttpStatusCode.NotFound, expectNoStore: false);
        Assert.Equal(1, _proxy.RequestsContaining("/v1/acme/photos/absent-negative.jpg"));
        Assert.Equal("MISS", UrlContractTests.Header(first, "X-Cache"));
        Assert.Null(first.Headers.Age);
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(second, "X-Cache"));
        Assert.Equal(TimeSpan.FromSeconds(7), second.Headers.Age);
        foreach (var response in new[] { first, second })
        {
            Assert.False(response.Headers.CacheControl!.NoStore);
            Assert.True(response.Headers.CacheControl.Public);
            Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.CacheControl.MaxAge);
        }
    }

    [Fact]
    public async Task HotKeyExpires_ThousandRequestsAnsweredStaleWithAge_OneBackgroundFetch_NoneWaits()
    {
        await using var edge = await StartEdgeAsync();
        using (var warm = await edge.GetAsync("w:50,f:png", "photos/tiny.png"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(90)); // past max-age (60 s), inside stale-while-revalidate (5 min)
        _proxy.SetFault(ProxyFault.Hang); // the refresh reaches the origin only when released

        var answers = new List<(HttpStatusCode Status, string XCache, string? Age)>();
        for (var batch = 0; batch < 20; batch++)
        {
            answers.AddRange(await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
            {
                using var response = await edge.GetAsync("w:50,f:png", "photos/tiny.png");
                return (response.StatusCode, UrlContractTests.Header(response, "X-Cache"), response.Headers.Age?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            })));
        }

        // Every answer came while the one refresh was held at the proxy: none of them waited for it.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (_proxy.RequestsContaining("/v1/acme/photos/tiny.png") < 2)
        {
            await Task.Delay(20, guard.Token);
        }

        var fetchesWhileStale = _proxy.RequestsContaining("/v1/acme/photos/tiny.png");
        _proxy.ReleaseHeld();
        string xCache;
        do
        {
            await Task.Delay(20, guard.Token);
            using var refreshed = await edge.GetAsync("w:50,f:png", "photos/tiny.png");
            xCache = UrlContractTests.Header(refreshed, "X-Cache");
        }
        while (xCache != "HIT-MEMORY");

        Assert.Equal(1000, answers.Count);
        Assert.All(answers, answer =>
        {
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal("STALE", answer.XCache);
            Assert.Equal("90", answer.Age);
        });
        Assert.Equal(2, fetchesWhileStale); // the warm-up and the one refresh
        Assert.Equal(2, _proxy.RequestsContaining("/v1/acme/photos/tiny.png"));
    }

    [Fact]
    public async Task FreshAnswer_AdvertisesTheTenantsStaleWindows_HitCarriesAge()
    {
        await using var edge = await StartEdgeAsync();
        using var miss = await edge.GetAsync("w:40,f:png", "photos/tiny.png");
        _time.Advance(TimeSpan.FromSeconds(7));
        using var hit = await edge.GetAsync("w:40,f:png", "photos/tiny.png");

        Assert.Equal("public, max-age=60, stale-while-revalidate=300, stale-if-error=7200", miss.Headers.NonValidated["Cache-Control"].ToString());
        Assert.Null(miss.Headers.Age);
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(hit, "X-Cache"));
        Assert.Equal(TimeSpan.FromSeconds(7), hit.Headers.Age);
    }

    [Fact]
    public async Task TenantsStaleIfErrorOutlastsTheEdgeDefault_OriginDownPastTheDefault_StillAnsweredStaleWithAge()
    {
        // acme: max-age 1 min, stale-if-error 2 h; the edge's own default window is 10 min.
        await using var edge = await StartEdgeAsync(("Caching:StaleIfError", "00:10:00"), ("Tenants:acme:StaleWhileRevalidate", "00:00:00"));
        using (var warm = await edge.GetAsync("w:45,f:png", "photos/tiny.png"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        _time.Advance(TimeSpan.FromMinutes(30)); // past max-age and the default window, inside the tenant's
        _proxy.SetFault(ProxyFault.Refuse);
        using var stale = await edge.GetAsync("w:45,f:png", "photos/tiny.png");

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("STALE", UrlContractTests.Header(stale, "X-Cache"));
        Assert.Equal(TimeSpan.FromMinutes(30), stale.Headers.Age);
        Assert.Contains("stale-if-error=7200", stale.Headers.NonValidated["Cache-Control"].ToString(), StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> StatusAsync(EdgeServer edge, string options, string path)
    {
        using var response = await edge.GetAsync(options, path);
        return response.StatusCode;
    }
}
