using System.Net;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Tests.Transforms;
using EdgeImages.Etcd.Purges;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Watermarks;

/// <summary>
/// Tenants' watermarks over HTTP against the real edge: where the watermark lands and how it blends (judged by the
/// colours of decoded pixels), which URLs may leave it out, and that a new watermark never meets an old variant.
/// The photo is white 400x300; the watermark a solid 100x50 PNG, a quarter of the output's width, 5 % margin at
/// <c>se</c>: at w:400 it covers x 280..379, y 230..279.
/// </summary>
public sealed class WatermarkTests
{
    private const string Photo = "photo.png";
    private const string LogoPath = "brand/logo.png";

    private static readonly byte[] WhitePhoto = Synthetic.Png(400, 300, (_, _) => SKColors.White);
    private static readonly byte[] RedLogo = Synthetic.Png(100, 50, (_, _) => SKColors.Red);
    private static readonly byte[] BlueLogo = Synthetic.Png(100, 50, (_, _) => SKColors.Blue);

    [Fact]
    public async Task NamedWatermarkAtSoutheast_RedInsideItsBox_WhiteAroundIt()
    {
        await using var edge = await StartAsync();

        using var response = await edge.GetAsync("w:400,f:png,wm:logo", Photo);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var image = await response.Content.ReadAsByteArrayAsync();
        foreach (var (x, y) in new[] { (280, 230), (379, 279), (330, 255) })
        {
            AssertColour(image, x, y, SKColors.Red, tolerance: 2);
        }

        // Just outside each side of the box, inside the margin, and far away.
        foreach (var (x, y) in new[] { (279, 255), (380, 255), (330, 229), (330, 280), (390, 290), (10, 10), (200, 150) })
        {
            AssertColour(image, x, y, SKColors.White, tolerance: 2);
        }
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("avif")]
    [InlineData("gif")]
    public async Task EveryOutputFormat_CarriesTheWatermark(string format)
    {
        await using var edge = await StartAsync();

        using var response = await edge.GetAsync($"w:400,f:{format},wm:logo", Photo);

        var image = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(format, Images.FormatOf(image));
        // Lossy encoders blur a colour edge a little: sample well inside and well outside.
        AssertColour(image, 330, 255, SKColors.Red, tolerance: 40);
        AssertColour(image, 200, 150, SKColors.White, tolerance: 20);
    }

    [Theory]
    [InlineData(255, "1", 0)] // opaque: the watermark's colour
    [InlineData(255, "0.5", 128)] // opacity halves its alpha: halfway to white
    [InlineData(128, "1", 127)] // its own alpha blends the same way (premultiplied "over")
    [InlineData(128, "0.5", 191)] // and both multiply: a quarter red
    public async Task OpacityAndAlpha_BlendOverThePhoto(byte logoAlpha, string opacity, int expectedGreenAndBlue)
    {
        await using var edge = await StartAsync(new()
        {
            ["Tenants:acme:Watermarks:logo:Opacity"] = opacity,
        });
        edge.WithOriginal(LogoPath, Synthetic.Png(100, 50, (_, _) => SKColors.Red.WithAlpha(logoAlpha)));

        using var response = await edge.GetAsync("w:400,f:png,wm:logo", Photo);

        AssertColour(await response.Content.ReadAsByteArrayAsync(), 330, 255, new SKColor(255, (byte)expectedGreenAndBlue, (byte)expectedGreenAndBlue), tolerance: 3);
    }

    [Fact]
    public async Task WatermarkWidth_IsAFractionOfTheOutputWidth()
    {
        await using var edge = await StartAsync();

        // At w:200 the mark is 50x25 with a 10 px margin: x 140..189, y 115..139.
        using var response = await edge.GetAsync("w:200,f:png,wm:logo", Photo);

        var image = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal((200, 150), Images.SizeOf(image));
        AssertColour(image, 142, 117, SKColors.Red, tolerance: 2);
        AssertColour(image, 187, 137, SKColors.Red, tolerance: 2);
        AssertColour(image, 137, 127, SKColors.White, tolerance: 2);
        AssertColour(image, 165, 112, SKColors.White, tolerance: 2);
        AssertColour(image, 192, 127, SKColors.White, tolerance: 2);
    }

    [Fact]
    public async Task DefaultWatermark_AppliesWithoutWm_WmNoneLeavesItOut()
    {
        await using var edge = await StartAsync(new() { ["Tenants:acme:DefaultWatermark"] = "logo" });

        using var byDefault = await edge.GetAsync("w:400,f:png", Photo);
        using var none = await edge.GetAsync("w:400,f:png,wm:none", Photo);

        AssertColour(await byDefault.Content.ReadAsByteArrayAsync(), 330, 255, SKColors.Red, tolerance: 2);
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        AssertColour(await none.Content.ReadAsByteArrayAsync(), 330, 255, SKColors.White, tolerance: 2);
    }

    [Fact]
    public async Task NamedAndDefaultWatermark_SameImage_ShareOneCacheEntry()
    {
        await using var edge = await StartAsync(new() { ["Tenants:acme:DefaultWatermark"] = "logo" });

        using var byDefault = await edge.GetAsync("w:400,f:png", Photo);
        using var named = await edge.GetAsync("w:400,f:png,wm:logo", Photo);

        Assert.Equal("MISS", UrlContractTests.Header(byDefault, "X-Cache"));
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(named, "X-Cache"));
    }

    [Fact]
    public async Task WatermarkRequired_WmNoneIs400_DefaultStillServed()
    {
        await using var edge = await StartAsync(new()
        {
            ["Tenants:acme:DefaultWatermark"] = "logo",
            ["Tenants:acme:WatermarkRequired"] = "true",
        });

        using var none = await edge.GetAsync("w:400,f:png,wm:none", Photo);
        using var byDefault = await edge.GetAsync("w:400,f:png", Photo);

        await UrlContractTests.AssertProblemAsync(none, HttpStatusCode.BadRequest);
        AssertColour(await byDefault.Content.ReadAsByteArrayAsync(), 330, 255, SKColors.Red, tolerance: 2);
    }

    [Fact]
    public async Task UnknownWatermarkName_Is400()
    {
        await using var edge = await StartAsync();

        using var response = await edge.GetAsync("w:400,wm:nope", Photo);

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RefusePassThrough_DashIs400_OtherTenantsServeTheOriginalBare()
    {
        await using var refusing = await StartAsync(new()
        {
            ["Tenants:acme:DefaultWatermark"] = "logo",
            ["Tenants:acme:RefusePassThrough"] = "true",
        });
        await using var allowing = await StartAsync(new() { ["Tenants:acme:DefaultWatermark"] = "logo" });

        using var refused = await refusing.GetAsync("-", Photo);
        using var bare = await allowing.GetAsync("-", Photo);

        await UrlContractTests.AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        Assert.Equal(WhitePhoto, await bare.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ChangingTheTenantsDefaultWatermark_NewKey_OldVariantNeverServed()
    {
        await using var edge = await StartAsync(new()
        {
            ["Tenants:acme:DefaultWatermark"] = "logo",
            ["Tenants:acme:Watermarks:stamp:Path"] = "brand/stamp.png",
            ["Tenants:acme:Watermarks:stamp:Width"] = "0.25",
            ["Tenants:acme:Watermarks:stamp:Margin"] = "0.05",
        });
        edge.WithOriginal("brand/stamp.png", BlueLogo);
        using var before = await edge.GetAsync("w:400,f:png", Photo);
        using var cached = await edge.GetAsync("w:400,f:png", Photo);

        Reconfigure(edge, "Tenants:acme:DefaultWatermark", "stamp");
        using var after = await edge.GetAsync("w:400,f:png", Photo);

        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(cached, "X-Cache"));
        AssertColour(await before.Content.ReadAsByteArrayAsync(), 330, 255, SKColors.Red, tolerance: 2);
        Assert.Equal("MISS", UrlContractTests.Header(after, "X-Cache"));
        AssertColour(await after.Content.ReadAsByteArrayAsync(), 330, 255, SKColors.Blue, tolerance: 2);
    }

    [Fact]
    public async Task ChangingAWatermarksSettings_NewKey_OldVariantNeverServed()
    {
        await using var edge = await StartAsync();
        using var before = await edge.GetAsync("w:400,f:png,wm:logo", Photo);

        Reconfigure(edge, "Tenants:acme:Watermarks:logo:Gravity", "nw");
        using var after = await edge.GetAsync("w:400,f:png,wm:logo", Photo);

        Assert.Equal("MISS", UrlContractTests.Header(after, "X-Cache"));
        var image = await after.Content.ReadAsByteArrayAsync();
        AssertColour(image, 70, 45, SKColors.Red, tolerance: 2);
        AssertColour(image, 330, 255, SKColors.White, tolerance: 2);
    }

    [Fact]
    public async Task PurgeOfTheWatermarkImage_PurgesEveryVariantThatUsedIt_AndNoOther()
    {
        await using var edge = await StartAsync(new() { ["Tenants:acme:DefaultWatermark"] = "logo" });
        using var wide = await edge.GetAsync("w:400,f:png", Photo);
        using var narrow = await edge.GetAsync("w:200,f:png", Photo);
        using var unmarked = await edge.GetAsync("w:300,f:png,wm:none", Photo);

        // A new watermark image at the origin: until it is purged the edge keeps the one it fetched.
        edge.WithOriginal(LogoPath, BlueLogo);
        using var stillRed = await edge.GetAsync("w:400,f:png", Photo);
        await edge.Services.GetRequiredService<IVariantCache>().PurgeAsync(PurgeTarget.ForOriginal(EdgeServer.Tenant, LogoPath), CancellationToken.None);
        using var wideAfter = await edge.GetAsync("w:400,f:png", Photo);
        using var narrowAfter = await edge.GetAsync("w:200,f:png", Photo);
        using var unmarkedAfter = await edge.GetAsync("w:300,f:png,wm:none", Photo);

        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(stillRed, "X-Cache"));
        AssertColour(await stillRed.Content.ReadAsByteArrayAsync(), 330, 255, SKColors.Red, tolerance: 2);
        Assert.Equal("MISS", UrlContractTests.Header(wideAfter, "X-Cache"));
        Assert.Equal("MISS", UrlContractTests.Header(narrowAfter, "X-Cache"));
        AssertColour(await wideAfter.Content.ReadAsByteArrayAsync(), 330, 255, SKColors.Blue, tolerance: 2);
        AssertColour(await narrowAfter.Content.ReadAsByteArrayAsync(), 165, 127, SKColors.Blue, tolerance: 2);
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(unmarkedAfter, "X-Cache"));
    }

    [Fact]
    public async Task WatermarkImageMissingAtTheOrigin_Is502_NotA404OfThePhoto()
    {
        await using var edge = await StartAsync(new() { ["Tenants:acme:Watermarks:logo:Path"] = "brand/missing.png" });

        using var response = await edge.GetAsync("w:400,f:png,wm:logo", Photo);

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.BadGateway);
    }

    [Theory]
    [InlineData("Tenants:acme:Watermarks:logo:Width", "2")]
    [InlineData("Tenants:acme:Watermarks:logo:Gravity", "smart")]
    [InlineData("Tenants:acme:Watermarks:logo:Path", "../etc/passwd")]
    [InlineData("Tenants:acme:DefaultWatermark", "nope")]
    [InlineData("Tenants:acme:Watermarks:logo:Opacity", "lots")]
    public async Task BadWatermarkSetting_EdgeRefusesToStart_NamingTheTenant(string key, string value)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { [key] = value }));

        Assert.Contains("Tenants:acme", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<EdgeServer> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Tenants:acme:Watermarks:logo:Path"] = LogoPath,
            ["Tenants:acme:Watermarks:logo:Gravity"] = "se",
            ["Tenants:acme:Watermarks:logo:Margin"] = "0.05",
            ["Tenants:acme:Watermarks:logo:Width"] = "0.25",
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var edge = await EdgeServer.StartAsync(configuration);
        return edge.WithOriginal(Photo, WhitePhoto).WithOriginal(LogoPath, RedLogo);
    }

    /// <summary>Changes one setting as a configuration reload would (a file edited, a new environment).</summary>
    private static void Reconfigure(EdgeServer edge, string key, string value)
    {
        var configuration = (IConfigurationRoot)edge.Services.GetRequiredService<IConfiguration>();
        configuration[key] = value;
        configuration.Reload();
    }

    private static void AssertColour(byte[] image, int x, int y, SKColor expected, int tolerance)
    {
        using var decoded = NetVips.Image.NewFromBuffer(image);
        var pixel = decoded.Getpoint(x, y);
        var actual = new SKColor((byte)pixel[0], (byte)pixel[1], (byte)pixel[2]);
        Assert.True(
            Math.Abs(actual.Red - expected.Red) <= tolerance && Math.Abs(actual.Green - expected.Green) <= tolerance && Math.Abs(actual.Blue - expected.Blue) <= tolerance,
            $"Pixel ({x},{y}) is {actual}, expected {expected} within {tolerance}.");
    }
}
