using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class SourceFormatTests
{
    [Theory]
    [InlineData("gif-animated.gif")]
    [InlineData("webp-animated.webp")]
    public void AnimatedSource_Transform_IsTheFirstFrame(string name)
    {
        var source = TestImages.Read(name);
        using var output = TestImages.Decode(TestImages.Transform(source, new TransformOptions { Format = ImageFormat.Png }).Content);
        using var first = DecodeFrame(source, 0);
        using var later = DecodeFrame(source, 5);

        Assert.Equal((80, 80), (output.Width, output.Height));
        Assert.True(TestImages.MeanAbsDiff(output, first) < 1, $"{TestImages.MeanAbsDiff(output, first):F2} from frame 0");
        Assert.True(TestImages.MeanAbsDiff(output, later) > 3, "frame 5 should differ, or the test proves nothing");
    }

    [Theory]
    [InlineData("gif-animated.gif", 20)]
    [InlineData("webp-animated.webp", 20)]
    [InlineData("webp-lossy-alpha.webp", 100)]
    [InlineData("webp-lossless-alpha.webp", 50)]
    [InlineData("webp-lossy.webp", 250)]
    [InlineData("png-rgba-photo.png", 100)]
    public void Source_Thumbnail_MatchesFirstFrameScaledIndependently(string name, int width)
    {
        // Guards shrink-on-load: whatever the codec does when asked for a smaller size must look like a proper downscale.
        var source = TestImages.Read(name);
        using var thumb = TestImages.Decode(TestImages.Transform(source, new TransformOptions { Width = width, Format = ImageFormat.Png }).Content);
        using var first = DecodeFrame(source, 0);
        using var expected = TestImages.AreaAverage(first, thumb.Width, thumb.Height);

        Assert.Equal(width, thumb.Width);
        Assert.True(TestImages.MeanAbsDiffPremultiplied(thumb, expected) < 4, $"{TestImages.MeanAbsDiffPremultiplied(thumb, expected):F1}");
    }

    [Theory]
    [InlineData("bmp-24bit-photo.bmp", 640, 480)]
    [InlineData("bmp-24bit.bmp", 128, 128)]
    [InlineData("bmp-32bit.bmp", 127, 64)]
    [InlineData("bmp-8bit-palette.bmp", 127, 64)]
    [InlineData("png-16bit-rgb.png", 32, 32)]
    [InlineData("png-16bit-rgba.png", 32, 32)]
    [InlineData("png-grayscale-8bit.png", 32, 32)]
    [InlineData("png-grayscale-alpha-8bit.png", 32, 32)]
    [InlineData("png-grayscale-alpha-photo.png", 510, 532)]
    [InlineData("png-palette-8bit.png", 32, 32)]
    [InlineData("png-palette-trns.png", 32, 32)]
    [InlineData("png-interlaced-rgb.png", 32, 32)]
    [InlineData("png-interlaced-photo.png", 500, 500)]
    [InlineData("jpeg-grayscale.jpg", 2268, 1512)]
    [InlineData("jpeg-subsampling-444.jpg", 2268, 1512)]
    [InlineData("jpeg-progressive.jpg", 2268, 1512)]
    [InlineData("webp-lossy.webp", 2000, 1500)]
    [InlineData("webp-lossless.webp", 1024, 1024)]
    [InlineData("webp-lossy-alpha.webp", 500, 500)]
    [InlineData("gif-static.gif", 128, 128)]
    [InlineData("tiny-1x1.png", 1, 1)]
    [InlineData("tiny-1x1.jpg", 1, 1)]
    [InlineData("tiny-1x1.gif", 1, 1)]
    [InlineData("tiny-1x1-alpha.webp", 1, 1)]
    [InlineData("tiny-2x3.jpg", 2, 3)]
    public void EachSourceFormat_NoResizeAndThumbnail_DecodesAtExpectedSize(string name, int width, int height)
    {
        var same = TestImages.Transform(name, new TransformOptions());
        Assert.Equal((width, height), (same.Width, same.Height));

        var thumb = TestImages.Transform(name, new TransformOptions { Width = 16 });
        using var decoded = TestImages.Decode(thumb.Content);
        Assert.Equal(Math.Min(16, width), decoded.Width);
        Assert.NotEqual(0, TestImages.LumaStats(decoded).Mean + decoded.GetPixel(0, 0).Alpha);
    }

    [Fact]
    public void SixteenBitPng_Transform_KeepsItsGradient()
    {
        // basn2c16 is a smooth colour gradient: after the 16 to 8 bit conversion it must still vary.
        using var decoded = TestImages.Decode(TestImages.Transform("png-16bit-rgb.png", new TransformOptions { Format = ImageFormat.Png }).Content);

        Assert.True(TestImages.LumaStats(decoded).StdDev > 20);
    }

    [Fact]
    public void GrayscaleJpeg_Transform_StaysNeutral()
    {
        using var decoded = TestImages.Decode(TestImages.Transform("jpeg-grayscale.jpg", new TransformOptions { Width = 200 }).Content);

        for (var y = 0; y < decoded.Height; y += 7)
        {
            for (var x = 0; x < decoded.Width; x += 7)
            {
                var c = decoded.GetPixel(x, y);
                Assert.True(Math.Abs(c.Red - c.Green) <= 3 && Math.Abs(c.Green - c.Blue) <= 3, $"({x},{y}) {c}");
            }
        }
    }

    [Theory]
    [InlineData(800, null, 800, 100)]
    [InlineData(null, 100, 800, 100)]
    [InlineData(400, 400, 400, 400)]
    public void Panorama8000x1000_Transform_KeepsAspectOrCovers(int? w, int? h, int width, int height)
    {
        var result = TestImages.Transform("panorama-8000x1000.jpg", new TransformOptions { Width = w, Height = h });

        Assert.Equal((width, height), (result.Width, result.Height));
    }

    [Fact]
    public void BmpPhoto_Transform_MatchesTheJpegItCameFrom()
    {
        // bmp-24bit-photo.bmp is photo-landscape-12mp.jpg resized to 640x480.
        using var bmp = TestImages.Decode(TestImages.Transform("bmp-24bit-photo.bmp", new TransformOptions { Width = 64, Height = 48, Fit = FitMode.Fill, Format = ImageFormat.Png }).Content);
        using var jpg = TestImages.Decode(TestImages.Transform("photo-landscape-12mp.jpg", new TransformOptions { Width = 64, Height = 48, Fit = FitMode.Fill, Format = ImageFormat.Png }).Content);

        Assert.True(TestImages.MeanAbsDiff(bmp, jpg) < 8, $"{TestImages.MeanAbsDiff(bmp, jpg):F1}");
    }

    private static SKBitmap DecodeFrame(byte[] source, int frame)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(source))!;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb());
        var bitmap = new SKBitmap(info);
        var frames = codec.FrameInfo;
        var prior = frame < frames.Length ? frames[frame].RequiredFrame : -1;
        if (prior >= 0)
        {
            // Decode the chain in order so later frames composite over their dependency.
            using var previous = DecodeFrame(source, prior);
            previous.CopyTo(bitmap);
        }

        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(frame, prior)));
        return bitmap;
    }
}
