using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Pipeline;
using EdgeImages.Edge.Tenants;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeImages.Edge.Tests.Http;

/// <summary>
/// The image path's shortcut past routing (<see cref="ImageRoute"/>) and the memo of verified URLs
/// (<see cref="VerifiedRequestMemo"/>): neither may change which endpoint answers or what a request is read into.
/// </summary>
public sealed class ImageRouteTests
{
    [Fact]
    public async Task Endpoints_OtherThanTheImageCatchAll_HaveFewerSegmentsThanAnImageUrl()
    {
        await using var edge = await EdgeServer.StartAsync();
        using (await edge.Client.GetAsync(edge.RawUri("/")))
        {
            // The demo page's endpoints are listed once Razor Pages has been asked for one.
        }

        var endpoints = edge.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        Assert.Contains(endpoints, endpoint => endpoint.RoutePattern.RawText == ImageRoute.Pattern);
        // Otherwise an image-shaped path would be taken from an endpoint that routing would have given it.
        Assert.All(
            endpoints.Where(endpoint => endpoint.RoutePattern.RawText != ImageRoute.Pattern),
            endpoint => Assert.True(endpoint.RoutePattern.PathSegments.Count < 4, $"{endpoint.RoutePattern.RawText} has four segments or more"));
    }

    [Theory]
    [InlineData("/k.mac/w:10/acme/a.jpg", true)]
    [InlineData("/k.mac/w:10/acme/folder/a.jpg", true)]
    [InlineData("/k.mac/w:10/acme", false)]
    [InlineData("/healthz", false)]
    [InlineData("/", false)]
    public void IsImagePath_BySegments_FourOrMoreAreImages(string path, bool expected) =>
        Assert.Equal(expected, ImageRoute.IsImagePath(new PathString(path)));

    [Fact]
    public void Memo_TenantSettingsReplaced_EntryNotUsed()
    {
        var (memo, keys, tenants, options) = RememberOne();

        Assert.True(memo.TryGet(Path, AcceptedFormats.None, keys, tenants, options, out _));
        Assert.False(memo.TryGet(Path, new AcceptedFormats(Avif: false, Webp: true), keys, tenants, options, out _));
        Assert.False(memo.TryGet(Path, AcceptedFormats.None, keys, tenants, new CacheOptions(), out _));

        tenants.Current = tenants.Current with { MaxAge = TimeSpan.FromMinutes(5) };

        Assert.False(memo.TryGet(Path, AcceptedFormats.None, keys, tenants, options, out _));
    }

    [Theory]
    [InlineData(SigningKeyState.Active)]
    [InlineData(SigningKeyState.Retired)]
    public void Memo_KeyReplacedUnderTheSameId_EntryNotUsed(SigningKeyState state)
    {
        var (memo, keys, tenants, options) = RememberOne();

        // What a control-plane swap does to every key, changed or not: a new object under the same id.
        keys.Current = new SigningKeyRing([Key(state)]);

        Assert.False(memo.TryGet(Path, AcceptedFormats.None, keys, tenants, options, out _));
    }

    [Fact]
    public void Memo_KeyGone_EntryNotUsed()
    {
        var (memo, keys, tenants, options) = RememberOne();

        keys.Current = new SigningKeyRing([]);

        Assert.False(memo.TryGet(Path, AcceptedFormats.None, keys, tenants, options, out _));
    }

    private const string Path = "/k.mac/w:10/acme/a.jpg";

    private static SigningKey Key(SigningKeyState state = SigningKeyState.Active) =>
        new("k", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), KeyTenants.AllTenants, state);

    private static (VerifiedRequestMemo Memo, SwappableKeys Keys, SwappableTenants Tenants, CacheOptions Options) RememberOne()
    {
        var key = Key();
        var keys = new SwappableKeys { Current = new SigningKeyRing([key]) };
        var tenants = new SwappableTenants { Current = new TenantSettings() };
        var options = new CacheOptions();
        var memo = new VerifiedRequestMemo();
        var request = new ImageRequest(new TransformOptions { Width = 10 }, new OriginalKey("acme", "a.jpg", null, null), AcceptedFormats.None, TimeSpan.FromHours(1));
        memo.Remember(Path, AcceptedFormats.None, new VerifiedRequestMemo.Entry(request.Options, request, request.CacheKey, tenants.Current, options, key));
        return (memo, keys, tenants, options);
    }

    private sealed class SwappableKeys : ISigningKeyProvider
    {
        public required SigningKeyRing Current { get; set; }

        public bool TryGetKey(ReadOnlySpan<char> kid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SigningKey? key) => Current.TryGetKey(kid, out key);
    }

    private sealed class SwappableTenants : ITenantSettingsProvider
    {
        public required TenantSettings Current { get; set; }

        public TenantSettings Get(string tenant) => Current;
    }
}
