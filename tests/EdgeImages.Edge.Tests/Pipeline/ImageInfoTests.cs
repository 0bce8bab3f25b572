using System.Net;
using System.Text.Json;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Transforms;
using EdgeImages.Etcd.Purges;
using SkiaSharp;
using TestImages = EdgeImages.Edge.Tests.Transforms.TestImages;

namespace EdgeImages.Edge.Tests.Pipeline;

/// <summary><c>f:json</c> through the whole edge: the fields on the shared test images, the placeholder, caching and 304.</summary>
public sealed class ImageInfoTests : IAsyncLifetime
{
    private EdgeServer _edge = null!;

    public async Task InitializeAsync()
    {
        _edge = await EdgeServer.StartAsync();
        _edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg")
             .WithOriginal("upright.jpg", "exif-orientation-6.jpg")
             .WithOriginal("alpha.png", "png-rgba-photo.png")
             .WithOriginal("squares.gif", "gif-animated.gif")
             .WithOriginal("squares.webp", "webp-animated.webp")
             .WithOriginal("solid.png", Synthetic.Png(64, 48, (_, _) => new SKColor(0x33, 0x66, 0xcc)));
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    [Fact]
    public async Task OrientedJpeg_WidthAndHeightAfterOrientation_OutputAsTheImageWouldBe()
    {
        // Stored 1200x1800 with EXIF orientation 6: upright it is 1800x1200.
        using var response = await _edge.GetAsync("w:300,f:json", "upright.jpg");
        using var info = await JsonOf(response);
        var root = info.RootElement;
        using var image = await _edge.GetAsync("w:300,f:png", "upright.jpg");
        var (imageWidth, imageHeight) = Images.SizeOf(await image.Content.ReadAsByteArrayAsync());

        Assert.Equal((1800, 1200), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));
        Assert.Equal("jpeg", root.GetProperty("format").GetString());
        Assert.False(root.GetProperty("hasAlpha").GetBoolean());
        Assert.False(root.GetProperty("animated").GetBoolean());
        Assert.Equal(1, root.GetProperty("frames").GetInt32());
        Assert.Equal(TestImages.Read("exif-orientation-6.jpg").Length, root.GetProperty("bytes").GetInt64());
        Assert.Equal((imageWidth, imageHeight), OutputOf(root));
        Assert.Equal((300, 200), OutputOf(root));
    }

    [Theory]
    [InlineData("crop:100:100:600:400,rot:90,w:200", 200, 300)]
    [InlineData("w:400,h:100,fit:cover", 400, 100)]
    [InlineData("w:4000", 2268, 1512)]
    [InlineData("w:200,h:200,fit:contain,dpr:2", 400, 400)]
    public async Task Options_OutputIsWhatTheImageIs(string options, int width, int height)
    {
        using var response = await _edge.GetAsync(options + ",f:json", "flower.jpg");
        using var info = await JsonOf(response);
        using var image = await _edge.GetAsync(options + ",f:png", "flower.jpg");

        Assert.Equal((width, height), OutputOf(info.RootElement));
        Assert.Equal((width, height), Images.SizeOf(await image.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task PngWithAlpha_HasAlpha_OpaqueJpegHasNot()
    {
        using var png = await JsonOf(await _edge.GetAsync("f:json", "alpha.png"));
        using var jpeg = await JsonOf(await _edge.GetAsync("f:json", "flower.jpg"));

        Assert.True(png.RootElement.GetProperty("hasAlpha").GetBoolean());
        Assert.Equal("png", png.RootElement.GetProperty("format").GetString());
        Assert.False(jpeg.RootElement.GetProperty("hasAlpha").GetBoolean());
    }

    [Fact]
    public async Task SolidColourImage_DominantColourIsThatColour()
    {
        using var info = await JsonOf(await _edge.GetAsync("w:32,f:json", "solid.png"));

        Assert.Equal("#3366cc", info.RootElement.GetProperty("dominantColor").GetString());
    }

    [Fact]
    public async Task Photo_DominantColourIsAColourOfThePhoto()
    {
        using var info = await JsonOf(await _edge.GetAsync("f:json", "flower.jpg"));
        var hex = info.RootElement.GetProperty("dominantColor").GetString()!;

        Assert.Matches("^#[0-9a-f]{6}$", hex);
        // At least a twentieth of a 64x64 thumbnail lies within a small distance of it: a colour the photo shows.
        using var thumbnail = TestImages.Thumbnail(Images.Decode(TestImages.Read("photo-flower-3mp-baseline.jpg")), 64, 43);
        var colour = SKColor.Parse(hex);
        var near = 0;
        for (var y = 0; y < thumbnail.Height; y++)
        {
            for (var x = 0; x < thumbnail.Width; x++)
            {
                var p = thumbnail.GetPixel(x, y);
                near += Math.Abs(p.Red - colour.Red) + Math.Abs(p.Green - colour.Green) + Math.Abs(p.Blue - colour.Blue) < 48 ? 1 : 0;
            }
        }

        Assert.True(near * 20 >= thumbnail.Width * thumbnail.Height, $"{near} of {thumbnail.Width * thumbnail.Height} pixels near {hex}");
    }

    [Theory]
    [InlineData("squares.gif", "gif", 30)]
    [InlineData("squares.webp", "webp", 9)]
    public async Task AnimatedSource_FramesFromTheHeaders(string path, string format, int frames)
    {
        using var info = await JsonOf(await _edge.GetAsync("w:40,f:json", path));
        var root = info.RootElement;

        Assert.Equal(format, root.GetProperty("format").GetString());
        Assert.True(root.GetProperty("animated").GetBoolean());
        Assert.Equal(frames, root.GetProperty("frames").GetInt32());
        Assert.True(root.GetProperty("hasAlpha").GetBoolean());
    }

    [Theory]
    [InlineData("f:json", "flower.jpg", 24, 16)]
    [InlineData("w:400,h:100,fit:cover,f:json", "flower.jpg", 24, 6)]
    [InlineData("f:json", "upright.jpg", 24, 16)]
    [InlineData("w:10,f:json", "flower.jpg", 10, 7)]
    [InlineData("f:json", "alpha.png", 24, 24)]
    public async Task Placeholder_IsATinyWebpOfTheResultsShape(string options, string path, int width, int height)
    {
        using var info = await JsonOf(await _edge.GetAsync(options, path));
        var placeholder = info.RootElement.GetProperty("placeholder").GetString()!;

        Assert.StartsWith("data:image/webp;base64,", placeholder, StringComparison.Ordinal);
        var webp = Convert.FromBase64String(placeholder["data:image/webp;base64,".Length..]);
        Assert.Equal("webp", Images.FormatOf(webp));
        Assert.Equal((width, height), Images.SizeOf(webp));
        Assert.True(Math.Max(width, height) <= 32);
        Assert.True(placeholder.Length < 1500, $"{placeholder.Length} characters");
    }

    [Fact]
    public async Task PlaceholderOfACover_ShowsTheKeptPart()
    {
        // A 64x48 PNG, left half red and right half blue; cover into a tall box at gravity east keeps the blue.
        _edge.WithOriginal("halves.png", Synthetic.Png(64, 48, (x, _) => x < 32 ? SKColors.Red : SKColors.Blue));

        using var info = await JsonOf(await _edge.GetAsync("w:10,h:40,g:e,f:json", "halves.png"));
        var placeholder = info.RootElement.GetProperty("placeholder").GetString()!;
        using var bitmap = Images.Decode(Convert.FromBase64String(placeholder["data:image/webp;base64,".Length..]));

        var centre = bitmap.GetPixel(bitmap.Width / 2, bitmap.Height / 2);
        Assert.True(centre.Blue > 200 && centre.Red < 60, $"centre {centre}");
    }

    [Fact]
    public async Task Info_ApplicationJson_CachedInMemory_ETagAnswers304_NoVary()
    {
        using var first = await _edge.GetAsync("w:200,f:json", "flower.jpg");
        using var second = await _edge.GetAsync("w:200,f:json", "flower.jpg");
        var request = new HttpRequestMessage(HttpMethod.Get, _edge.RawUri(_edge.Url("w:200,f:json", "flower.jpg")));
        request.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.Tag);
        using var revalidated = await _edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/json", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("MISS", UrlContractTests.Header(first, "X-Cache"));
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(second, "X-Cache"));
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Empty(first.Headers.Vary);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task Info_PurgedWithItsOriginal()
    {
        using var first = await _edge.GetAsync("w:120,f:json", "flower.jpg");
        using var cached = await _edge.GetAsync("w:120,f:json", "flower.jpg");

        await _edge.Services.GetRequiredService<IVariantCache>().PurgeAsync(PurgeTarget.ForOriginal(EdgeServer.Tenant, "flower.jpg"), CancellationToken.None);
        using var after = await _edge.GetAsync("w:120,f:json", "flower.jpg");

        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(cached, "X-Cache"));
        Assert.Equal("MISS", UrlContractTests.Header(after, "X-Cache"));
    }

    [Fact]
    public async Task Info_Unsigned_Is403()
    {
        using var response = await _edge.Client.GetAsync(_edge.RawUri("/k1.AAAAAAAAAAAAAAAAAAAAAA/f:json/acme/flower.jpg"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<JsonDocument> JsonOf(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        }
    }

    private static (int Width, int Height) OutputOf(JsonElement root)
    {
        var output = root.GetProperty("output");
        return (output.GetProperty("width").GetInt32(), output.GetProperty("height").GetInt32());
    }
}
