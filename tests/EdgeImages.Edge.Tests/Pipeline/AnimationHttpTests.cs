using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Transforms.Animation;
using NetVips;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Pipeline;

/// <summary>
/// Animations over HTTP to a real edge: what <c>f:auto</c> negotiates for an animated source, that clients which get
/// different formats never share a cache entry, <c>anim:0</c> and still formats, and the limits' 413s.
/// </summary>
public sealed class AnimationHttpTests : IAsyncLifetime
{
    private const string Gif = "anim/squares.gif";
    private const string Webp = "anim/squares.webp";

    private EdgeServer _edge = null!;

    public async Task InitializeAsync()
    {
        _edge = await EdgeServer.StartAsync();
        _edge.WithOriginal(Gif, "gif-animated.gif").WithOriginal(Webp, "webp-animated.webp");
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    [Theory]
    [InlineData(Gif, "image/avif,image/webp,*/*", "webp")]
    [InlineData(Gif, "image/webp", "webp")]
    [InlineData(Gif, "image/avif,*/*", "gif")]
    [InlineData(Gif, "image/webp;q=0,*/*", "gif")]
    [InlineData(Gif, null, "gif")]
    [InlineData(Webp, "image/webp,*/*", "webp")]
    [InlineData(Webp, "*/*", "gif")]
    public async Task AutoFormat_AnimatedSource_AnimatedWebpWhenNamedElseGif(string path, string? accept, string expected)
    {
        using var response = await _edge.GetAsync("w:40", path, accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected, Images.FormatOf(body));
        Assert.Equal($"image/{expected}", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept", response.Headers.Vary);
        using var decoded = Animations.Read(body);
        Assert.True(decoded.Frames.Count > 1, $"{decoded.Frames.Count} frames");
        Assert.Equal((40, 40), (decoded.Frames[0].Width, decoded.Frames[0].Height));
        Assert.Equal(-1, decoded.Repetitions);
    }

    [Fact]
    public async Task AutoFormat_AnimatedSource_ClientsGettingDifferentFormatsNeverShareAnEntry()
    {
        // The WebP client's entry is made first; a client that names only AVIF, or nothing, must not be handed it.
        using var webp = await _edge.GetAsync("w:41", Gif, "image/avif,image/webp,*/*");
        using var avifOnly = await _edge.GetAsync("w:41", Gif, "image/avif,*/*");
        using var neither = await _edge.GetAsync("w:41", Gif, "*/*");
        using var webpAgain = await _edge.GetAsync("w:41", Gif, "image/webp,image/avif");

        Assert.Equal(
            ["webp", "gif", "gif", "webp"],
            [
                Images.FormatOf(await webp.Content.ReadAsByteArrayAsync()), Images.FormatOf(await avifOnly.Content.ReadAsByteArrayAsync()),
                Images.FormatOf(await neither.Content.ReadAsByteArrayAsync()), Images.FormatOf(await webpAgain.Content.ReadAsByteArrayAsync()),
            ]);
        Assert.Equal(["MISS", "MISS", "MISS"], new[] { webp, avifOnly, neither }.Select(r => UrlContractTests.Header(r, "X-Cache")));
        Assert.StartsWith("HIT", UrlContractTests.Header(webpAgain, "X-Cache"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("w:40,f:gif", "gif")]
    [InlineData("w:40,f:webp", "webp")]
    public async Task ExplicitAnimatableFormat_AnyAccept_AnimatedWithoutVary(string options, string expected)
    {
        using var response = await _edge.GetAsync(options, Gif, "image/jpeg");

        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected, Images.FormatOf(body));
        Assert.DoesNotContain("Accept", response.Headers.Vary);
        using var decoded = Animations.Read(body);
        Assert.True(decoded.Frames.Count > 1, $"{decoded.Frames.Count} frames");
    }

    [Theory]
    [InlineData("w:40,anim:0,f:gif", "image/webp", "gif")]
    [InlineData("w:40,anim:0,f:webp", null, "webp")]
    [InlineData("w:40,anim:0", "image/webp", "webp")]
    [InlineData("w:40,anim:0", null, "png")]
    [InlineData("w:40,f:png", "image/webp", "png")]
    [InlineData("w:40,f:jpeg", "image/webp", "jpeg")]
    public async Task Anim0OrStillFormat_AnimatedSource_OneFrame(string options, string? accept, string expected)
    {
        using var response = await _edge.GetAsync(options, Gif, accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected, Images.FormatOf(body));
        using var decoded = Animations.Read(body);
        Assert.Single(decoded.Frames);
    }

    [Fact]
    public async Task Avif_AnimatedSource_OneImage()
    {
        using var response = await _edge.GetAsync("w:40,f:avif", Gif);

        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("avif", Images.FormatOf(body));
        using var decoded = Image.NewFromBuffer(body);
        Assert.Equal(1, decoded.Contains("n-pages") ? (int)decoded.Get("n-pages") : 1);
    }

    [Fact]
    public async Task MoreFramesThanMaxAnimationFrames_413ProblemJson_Anim0Served()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Transforms:MaxAnimationFrames"] = "10" });
        edge.WithOriginal(Gif, "gif-animated.gif");

        using var refused = await edge.GetAsync("w:40", Gif, "image/webp");
        using var first = await edge.GetAsync("w:40,anim:0", Gif, "image/webp");
        using var still = await edge.GetAsync("w:40,f:png", Gif);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("30 frames", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task FramesOverTheMemoryBudget_413_FirstFrameServed()
    {
        // 40 frames of a 200x200 screen kept at full size hold 40 output frames (and the encoder's share): about
        // 14 MB against a 4 MiB budget. One frame of it needs well under 1 MB. The file itself is a few KB.
        var frames = new List<GifFrame> { new(0, 0, 200, 200, Colour: 3, DelayCentiseconds: 5, Disposal: 1) };
        frames.AddRange(Enumerable.Range(1, 39).Select(i => new GifFrame(i * 4, i * 4, 8, 8, Colour: i % 3, DelayCentiseconds: 5, Disposal: 1)));
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Transforms:MemoryBudgetBytes"] = (4 * 1024 * 1024).ToString() });
        edge.WithOriginal("anim/big.gif", Animations.Gif(200, 200, frames));

        using var refused = await edge.GetAsync("w:200,f:gif", "anim/big.gif");
        using var first = await edge.GetAsync("w:200,f:gif,anim:0", "anim/big.gif");
        using var small = await edge.GetAsync("w:20,f:gif", "anim/big.gif");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Single(Animations.Read(await first.Content.ReadAsByteArrayAsync()).Frames);

        // The same animation at a tenth of the size fits: what is held is the output frames, not the screen's.
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        using var decoded = Animations.Read(await small.Content.ReadAsByteArrayAsync());
        Assert.True(decoded.Frames.Count > 1, $"{decoded.Frames.Count} frames");
        Assert.Equal(SKColors.White, decoded.Frames[0].GetPixel(10, 10));
    }
}
