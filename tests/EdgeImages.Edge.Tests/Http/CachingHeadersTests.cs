using System.Net;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Pipeline;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Tests.Http;

/// <summary>
/// <c>Cache-Control</c> that respects the URL: an <c>exp</c> URL is <c>private</c>, never cached past its expiry and
/// never <c>immutable</c>, pinned version or not (url-format.md 1.1, Responses).
/// </summary>
public sealed class CachingHeadersTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan TenantMaxAge = TimeSpan.FromHours(1);

    [Theory]
    // Expiry sooner than the tenant's max-age: the seconds left.
    [InlineData(null, 90, "private, max-age=90")]
    // Expiry later than the tenant's max-age: the max-age, but still private.
    [InlineData(null, 86_400, "private, max-age=3600")]
    // Pinned and expiring: the seconds left, not a year, and not immutable.
    [InlineData("v1", 600, "private, max-age=600")]
    [InlineData("v1", 10 * 365 * 86_400.0, "private, max-age=31536000")]
    // Expiring now: nothing to keep.
    [InlineData(null, 0, "private, max-age=0")]
    public void CacheControl_UrlWithExp_IsPrivateAndEndsByExp(string? version, double secondsLeft, string expected)
    {
        var expiresAt = Now.AddSeconds(secondsLeft);
        var request = RequestFor(version, expiresAt);

        Assert.Equal(expected, ImageResponseWriter.CacheControlFor(request, Now));
    }

    [Fact]
    public void CacheControl_PartOfASecondLeft_RoundsDown()
    {
        // Read 0.25 s after Now, an exp of Now + 2 s has 1.75 s left: a cache may keep it 1 s, not 2.
        var request = RequestFor(null, Now.AddSeconds(2));

        Assert.Equal("private, max-age=1", ImageResponseWriter.CacheControlFor(request, Now.AddSeconds(0.25)));
    }

    [Fact]
    public void CacheControl_ExpAlreadyPassed_IsMaxAgeZeroNotNegative() =>
        Assert.Equal("private, max-age=0", ImageResponseWriter.CacheControlFor(RequestFor(null, Now.AddSeconds(-5)), Now));

    [Theory]
    [InlineData(null, "public, max-age=3600")]
    [InlineData("v1", "public, max-age=31536000, immutable")]
    public void CacheControl_NoExp_PublicForTenantMaxAgeOrImmutableWhenPinned(string? version, string expected) =>
        Assert.Equal(expected, ImageResponseWriter.CacheControlFor(RequestFor(version, null), Now));

    [Fact]
    public async Task ExpUrl_OverHttp_IsPrivateWithMaxAgeUpToExp_AndSoIsItsHit()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("cat.jpg", "photo-flower-3mp-baseline.jpg");
        var exp = DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds();

        using var miss = await edge.GetAsync($"w:40,exp:{exp}", "cat.jpg");
        using var hit = await edge.GetAsync($"w:40,exp:{exp}", "cat.jpg");
        using var plain = await edge.GetAsync("w:40", "cat.jpg");

        foreach (var response in new[] { miss, hit })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var cacheControl = response.Headers.CacheControl!;
            Assert.True(cacheControl.Private);
            Assert.False(cacheControl.Public);
            Assert.InRange(cacheControl.MaxAge!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(2));
            Assert.DoesNotContain("immutable", cacheControl.ToString(), StringComparison.Ordinal);
        }

        // The edge's own cache keys on the options without exp: the plain URL is the same variant, answered public.
        Assert.Equal("HIT-MEMORY", hit.Headers.GetValues("X-Cache").Single());
        Assert.Equal("HIT-MEMORY", plain.Headers.GetValues("X-Cache").Single());
        Assert.True(plain.Headers.CacheControl!.Public);
        Assert.Equal(TimeSpan.FromHours(1), plain.Headers.CacheControl.MaxAge);
    }

    [Fact]
    public async Task PinnedVersionWithExp_OverHttp_IsPrivateNotImmutable_AndSoIsItsNotModified()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("cat.jpg", "photo-flower-3mp-baseline.jpg");
        var version = LocalFolderOriginalStore.VersionOf(TestImages.Read("photo-flower-3mp-baseline.jpg"));
        var exp = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        var options = $"w:40,v:{version},exp:{exp}";

        using var response = await edge.GetAsync(options, "cat.jpg");
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url(options, "cat.jpg")));
        revalidate.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await edge.Client.SendAsync(revalidate);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        foreach (var answer in new[] { response, notModified })
        {
            var cacheControl = answer.Headers.CacheControl!;
            Assert.True(cacheControl.Private);
            Assert.InRange(cacheControl.MaxAge!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(5));
            Assert.DoesNotContain("immutable", cacheControl.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NotFoundForUrlWithExp_OverHttp_PrivateAndNotPastExp_WithoutExpPublic()
    {
        await using var edge = await EdgeServer.StartAsync();
        var exp = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds();

        using var expiring = await edge.GetAsync($"w:40,exp:{exp}", "missing.jpg");
        using var plain = await edge.GetAsync("w:40", "missing.jpg");

        Assert.Equal(HttpStatusCode.NotFound, expiring.StatusCode);
        Assert.True(expiring.Headers.CacheControl!.Private);
        // Shorter than the 60 s negative-cache TTL: the URL stops working sooner.
        Assert.InRange(expiring.Headers.CacheControl.MaxAge!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode);
        Assert.True(plain.Headers.CacheControl!.Public);
        Assert.Equal(TimeSpan.FromSeconds(60), plain.Headers.CacheControl.MaxAge);
    }

    private static ImageRequest RequestFor(string? version, DateTimeOffset? expiresAt)
    {
        // As the URL carries it: whole unix seconds.
        var options = new TransformOptions { Width = 40, Version = version, ExpiresAt = expiresAt?.ToUnixTimeSeconds() };
        return new ImageRequest(options, new OriginalKey("acme", "cat.jpg", version), Accepted: default, TenantMaxAge);
    }
}
