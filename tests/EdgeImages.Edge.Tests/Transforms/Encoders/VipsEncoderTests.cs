using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Sdk.Urls;
using NetVips;

namespace EdgeImages.Edge.Tests.Transforms.Encoders;

/// <summary>AVIF and GIF as libvips writes them from Skia's pixels: decoded back (by libvips) and compared with the reference.</summary>
public sealed class VipsEncoderTests
{
    private const string Photo = "photo-flower-3mp-baseline.jpg";
    private const string AlphaPhoto = "png-rgba-photo.png";

    [Fact]
    public void Avif_DefaultQuality_DecodesBackAboutAsCloseToTheReferenceAsJpeg()
    {
        // The q map's promise: with no q, AVIF lands near JPEG's default in PSNR against the lossless reference.
        var reference = TestImages.Transform(Photo, new TransformOptions { Width = 256, Format = ImageFormat.Png });
        var avif = TestImages.Transform(Photo, new TransformOptions { Width = 256, Format = ImageFormat.Avif });
        var jpeg = TestImages.Transform(Photo, new TransformOptions { Width = 256, Format = ImageFormat.Jpeg });

        using var expected = Image.NewFromBuffer(reference.Content);
        using var actual = Image.NewFromBuffer(avif.Content);
        using var jpegDecoded = Image.NewFromBuffer(jpeg.Content);
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        Assert.Equal((reference.Width, reference.Height), (avif.Width, avif.Height));
        var jpegPsnr = Psnr(expected, jpegDecoded);
        Assert.InRange(Psnr(expected, actual), Math.Max(25, jpegPsnr - 2), 99);
    }

    [Fact]
    public void Avif_OpaqueSource_HasNoAlphaPlane()
    {
        var avif = TestImages.Transform(Photo, new TransformOptions { Width = 64, Format = ImageFormat.Avif });

        using var decoded = Image.NewFromBuffer(avif.Content);
        Assert.Equal(3, decoded.Bands);
    }

    [Fact]
    public void Avif_TransparentSource_KeepsAlphaCloseToTheReference()
    {
        var reference = TestImages.Transform(AlphaPhoto, new TransformOptions { Width = 128, Format = ImageFormat.Png });
        var avif = TestImages.Transform(AlphaPhoto, new TransformOptions { Width = 128, Format = ImageFormat.Avif });

        using var expected = Image.NewFromBuffer(reference.Content);
        using var actual = Image.NewFromBuffer(avif.Content);
        Assert.Equal(4, actual.Bands);
        using var expectedAlpha = expected[3];
        using var actualAlpha = actual[3];
        using var difference = (expectedAlpha - actualAlpha).Abs();
        Assert.InRange(difference.Avg(), 0, 4);
    }

    [Fact]
    public void Avif_LowerQ_FewerBytes()
    {
        var low = TestImages.Transform(Photo, new TransformOptions { Width = 256, Format = ImageFormat.Avif, Quality = 30 });
        var high = TestImages.Transform(Photo, new TransformOptions { Width = 256, Format = ImageFormat.Avif, Quality = 90 });

        Assert.True(low.Content.Length < high.Content.Length, $"q30 {low.Content.Length} B, q90 {high.Content.Length} B");
    }

    [Fact]
    public void Avif_Output_CarriesNoExifOrXmp()
    {
        var avif = TestImages.Transform("exif-orientation-6.jpg", new TransformOptions { Format = ImageFormat.Avif });

        using var decoded = Image.NewFromBuffer(avif.Content);
        Assert.DoesNotContain(decoded.GetFields(), field => field is "exif-data" or "xmp-data");
    }

    [Fact]
    public void Gif_Photo_DecodesBackCloseToTheReference()
    {
        var reference = TestImages.Transform(Photo, new TransformOptions { Width = 128, Format = ImageFormat.Png });
        var gif = TestImages.Transform(Photo, new TransformOptions { Width = 128, Format = ImageFormat.Gif });

        using var expected = Image.NewFromBuffer(reference.Content);
        using var decoded = Image.NewFromBuffer(gif.Content);
        using var actual = decoded.Bands == 4 ? decoded.ExtractBand(0, 3) : decoded.Copy();
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        // 256 colours with dithering: far from exact per pixel, close on average.
        Assert.InRange(Psnr(expected, actual), 22, 99);
    }

    [Fact]
    public void Gif_TransparentSource_KeepsTransparency()
    {
        var gif = TestImages.Transform(AlphaPhoto, new TransformOptions { Width = 64, Format = ImageFormat.Gif });

        using var decoded = Image.NewFromBuffer(gif.Content);
        Assert.Equal(4, decoded.Bands);
        using var alpha = decoded[3];
        Assert.Equal(0, alpha.Min());
    }

    [Fact]
    public void Runtime_Configured_RunsOneThreadWithoutOperationCache()
    {
        VipsRuntime.EnsureConfigured();

        Assert.Equal(1, NetVips.NetVips.Concurrency);
        Assert.Equal(0, Cache.Max);
        Assert.Equal(0UL, Cache.MaxMem);
    }

    [Theory]
    [InlineData(null, AvifQuality.Default)]
    [InlineData(80, AvifQuality.Default)]
    public void AvifQuality_DefaultOrJpegDefault_IsTheDocumentedDefault(int? q, int expected) =>
        Assert.Equal(expected, AvifQuality.FromUrl(q));

    [Fact]
    public void AvifQuality_AllUrlValues_MonotonicWithinRange()
    {
        var mapped = Enumerable.Range(1, 100).Select(AvifQuality.Map).ToArray();

        Assert.All(mapped, value => Assert.InRange(value, 1, 100));
        Assert.True(mapped.Zip(mapped.Skip(1)).All(pair => pair.First <= pair.Second));
        Assert.Equal(100, mapped[^1]);
    }

    /// <summary>PSNR over the RGB bands of two 8-bit sRGB images of one size.</summary>
    private static double Psnr(Image expected, Image actual)
    {
        using var a = expected.Bands > 3 ? expected.ExtractBand(0, 3) : expected.Copy();
        using var b = actual.Bands > 3 ? actual.ExtractBand(0, 3) : actual.Copy();
        using var difference = a.Cast(Enums.BandFormat.Float) - b.Cast(Enums.BandFormat.Float);
        using var squared = difference * difference;
        var mse = squared.Avg();
        return mse == 0 ? 99 : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
