using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.Pipeline;

/// <summary>Every option of the contract through the whole edge, judged by the bytes that come back.</summary>
public sealed class OptionsOverHttpTests : IAsyncLifetime
{
    // photo-flower-3mp-baseline.jpg is 2268x1512 (3:2).
    private EdgeServer _edge = null!;

    public async Task InitializeAsync()
    {
        _edge = await EdgeServer.StartAsync();
        _edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg")
             .WithOriginal("upright.jpg", "exif-orientation-6.jpg")
             .WithOriginal("alpha.png", "png-rgba-photo.png");
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    [Theory]
    [InlineData("w:400", 400, 267)]
    [InlineData("h:300", 450, 300)]
    [InlineData("w:400,h:300", 400, 300)]
    [InlineData("w:400,h:300,fit:cover", 400, 300)]
    [InlineData("w:400,h:300,fit:contain", 400, 300)]
    [InlineData("w:400,h:300,fit:fill", 400, 300)]
    [InlineData("w:400,h:300,fit:inside", 400, 267)]
    [InlineData("w:400,h:300,fit:outside", 450, 300)]
    [InlineData("w:200,dpr:2", 400, 267)]
    [InlineData("w:200,h:100,dpr:1.5", 300, 150)]
    [InlineData("crop:100:200:1000:500", 1000, 500)]
    [InlineData("crop:100:200:1000:500,w:100", 100, 50)]
    [InlineData("rot:90", 1512, 2268)]
    [InlineData("rot:270,w:300", 300, 450)]
    [InlineData("rot:180,w:300", 300, 200)]
    [InlineData("flip:h,w:300", 300, 200)]
    [InlineData("flip:hv,w:300", 300, 200)]
    [InlineData("blur:2,w:300", 300, 200)]
    [InlineData("sharpen:1,w:300", 300, 200)]
    [InlineData("w:4000", 2268, 1512)]
    [InlineData("w:4000,up:0", 2268, 1512)]
    [InlineData("w:4000,up:1", 4000, 2667)]
    [InlineData("w:300,q:10", 300, 200)]
    [InlineData("w:300,h:300,g:n", 300, 300)]
    [InlineData("w:300,h:300,g:se", 300, 300)]
    [InlineData("w:300,h:300,g:smart", 300, 300)]
    [InlineData("w:300,h:300,g:fp:0.1:0.9", 300, 300)]
    [InlineData("w:300,h:100,fit:contain,bg:ff000080", 300, 100)]
    public async Task Option_ProducesExpectedSize(string options, int width, int height)
    {
        using var response = await _edge.GetAsync(options, "flower.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (actualWidth, actualHeight) = Images.SizeOf(await response.Content.ReadAsByteArrayAsync());
        Assert.InRange(actualWidth, width - 1, width + 1);
        Assert.InRange(actualHeight, height - 1, height + 1);
    }

    [Theory]
    [InlineData("w:120,f:jpeg", "jpeg", "image/jpeg")]
    [InlineData("w:120,f:png", "png", "image/png")]
    [InlineData("w:120,f:webp", "webp", "image/webp")]
    public async Task Format_MagicBytesAndContentTypeAgree(string options, string magic, string contentType)
    {
        using var response = await _edge.GetAsync(options, "alpha.png");

        Assert.Equal(magic, Images.FormatOf(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Quality_LowerQ_SmallerJpeg()
    {
        using var low = await _edge.GetAsync("w:600,f:jpeg,q:10", "flower.jpg");
        using var high = await _edge.GetAsync("w:600,f:jpeg,q:95", "flower.jpg");

        Assert.True((await low.Content.ReadAsByteArrayAsync()).Length * 2 < (await high.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task ExifOrientation6_IsUprightWithoutAnyOption()
    {
        // Stored 1200x1800 sideways; displayed 1800x1200.
        using var response = await _edge.GetAsync("w:300", "upright.jpg");

        Assert.Equal((300, 200), Images.SizeOf(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task CropOutsideSource_Returns400()
    {
        using var response = await _edge.GetAsync("crop:2000:1000:500:600", "flower.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task JpegOfTransparentSource_FlattenedOntoBg()
    {
        using var response = await _edge.GetAsync("w:100,f:jpeg,bg:00ff00", "alpha.png");
        using var bitmap = Images.Decode(await response.Content.ReadAsByteArrayAsync());

        // The corners of this cut-out are transparent, so they come out as the background.
        var corner = bitmap.GetPixel(0, 0);
        Assert.InRange(corner.Red, (byte)0, (byte)40);
        Assert.InRange(corner.Green, (byte)215, (byte)255);
        Assert.InRange(corner.Blue, (byte)0, (byte)40);
    }

    [Fact]
    public async Task TransformedOutput_CarriesNoMetadata()
    {
        _edge.WithOriginal("p3.jpg", "jpeg-icc-display-p3.jpg");
        using var response = await _edge.GetAsync("w:200,f:jpeg", "p3.jpg");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(-1, body.AsSpan().IndexOf("Exif"u8));
        Assert.Equal(-1, body.AsSpan().IndexOf("ICC_PROFILE"u8));
        Assert.Equal(-1, body.AsSpan().IndexOf("http://ns.adobe.com/xap"u8));
    }
}

public sealed class PresetTests
{
    [Fact]
    public async Task Preset_ExpandsAndUrlOptionsOverride()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Presets:thumb"] = "w:200,h:100,fit:cover,f:png" });
        edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");

        using var preset = await edge.GetAsync("p:thumb", "flower.jpg");
        using var overridden = await edge.GetAsync("p:thumb,h:50,f:jpeg", "flower.jpg");
        using var spelledOut = await edge.GetAsync("w:200,h:100,fit:cover,f:png", "flower.jpg");

        var presetBody = await preset.Content.ReadAsByteArrayAsync();
        Assert.Equal((200, 100), Images.SizeOf(presetBody));
        Assert.Equal("png", Images.FormatOf(presetBody));
        var overriddenBody = await overridden.Content.ReadAsByteArrayAsync();
        Assert.Equal((200, 50), Images.SizeOf(overriddenBody));
        Assert.Equal("jpeg", Images.FormatOf(overriddenBody));
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(spelledOut, "X-Cache"));
    }

    [Fact]
    public async Task UnknownPreset_Returns400()
    {
        await using var edge = await EdgeServer.StartAsync();
        edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");

        using var response = await edge.GetAsync("p:nope", "flower.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task InvalidPreset_FailsAtStartUp_NamingIt()
    {
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Presets:broken"] = "w:0" });
        });

        Assert.Contains("Presets:broken", failure.Message, StringComparison.Ordinal);
    }
}
