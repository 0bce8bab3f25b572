using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class ColourTests
{
    [Fact]
    public void CmykJpeg_Transform_ColoursAreNotInvertedOrDark()
    {
        // The flower photo is bright: pale pink/violet petals and a yellow centre. An inverted or
        // uncorrected Adobe YCCK decode comes out dark and green-shifted.
        using var bitmap = TestImages.Decode(TestImages.Transform("jpeg-cmyk.jpg", new TransformOptions { Width = 100, Format = ImageFormat.Png }).Content);
        var (r, g, b) = MeanColour(bitmap);

        Assert.InRange(TestImages.Luma(new SKColor((byte)r, (byte)g, (byte)b)), 110, 230);
        Assert.True(r > g && b > g, $"mean {r:F0},{g:F0},{b:F0} should be pinkish");
        Assert.True(CountWhere(bitmap, c => c.Red > 200 && c.Green > 170 && c.Blue < 100) > 50, "the yellow centre is missing");
    }

    [Theory]
    [InlineData("jpeg-icc-display-p3.jpg")]
    [InlineData("png-icc-display-p3.png")]
    [InlineData("jpeg-icc-adobe-rgb.jpg")]
    public void WideGamutSource_Transform_ConvertsToSrgbUnlikeNaiveDecode(string name)
    {
        using var converted = TestImages.Decode(TestImages.Transform(name, new TransformOptions { Format = ImageFormat.Png }).Content);
        using var naive = DecodeIgnoringProfile(TestImages.Read(name));

        double diff = 0;
        var saturated = 0;
        for (var y = 0; y < naive.Height; y += 2)
        {
            for (var x = 0; x < naive.Width; x += 2)
            {
                SKColor n = naive.GetPixel(x, y), c = converted.GetPixel(x, y);
                if (Math.Max(n.Red, Math.Max(n.Green, n.Blue)) - Math.Min(n.Red, Math.Min(n.Green, n.Blue)) > 80)
                {
                    saturated++;
                    diff += Math.Abs(n.Red - c.Red) + Math.Abs(n.Green - c.Green) + Math.Abs(n.Blue - c.Blue);
                }
            }
        }

        Assert.True(saturated > 100, $"{saturated} saturated samples");
        Assert.True(diff / saturated > 10, $"mean difference {diff / saturated:F1} in saturated areas");
    }

    [Fact]
    public void UntaggedSource_Transform_KeepsColours()
    {
        // No iCCP/gAMA/sRGB chunk means sRGB: nothing to convert.
        var png = Synthetic.Png(32, 32, (x, y) => new SKColor((byte)(x * 8), (byte)(y * 8), (byte)(255 - (x * 4)), 255));
        using var converted = TestImages.Decode(TestImages.Transform(png, new TransformOptions { Format = ImageFormat.Png }).Content);
        using var naive = DecodeIgnoringProfile(png);

        Assert.True(TestImages.MeanAbsDiff(converted, naive) < 1);
    }

    [Fact]
    public void AlphaPngToJpeg_DefaultBackground_FlattensOnWhite()
    {
        using var bitmap = TestImages.Decode(TestImages.Transform(RedSquareOnTransparent(), new TransformOptions { Format = ImageFormat.Jpeg }).Content);

        AssertNear(SKColors.White, bitmap.GetPixel(0, 0));
        AssertNear(SKColors.Red, bitmap.GetPixel(50, 50), 6);
    }

    [Fact]
    public void AlphaPngToJpeg_WithBackground_FlattensOnIt()
    {
        var options = new TransformOptions { Format = ImageFormat.Jpeg, Background = new RgbaColor(0, 128, 255) };
        using var bitmap = TestImages.Decode(TestImages.Transform(RedSquareOnTransparent(), options).Content);

        AssertNear(new SKColor(0, 128, 255), bitmap.GetPixel(0, 0), 6);
    }

    [Fact]
    public void RealAlphaPhotoToJpeg_Corner_IsBackground()
    {
        // Sanity on a real file: its corner is transparent in the source.
        using var source = DecodeIgnoringProfile(TestImages.Read("png-rgba-photo.png"));
        Assert.True(source.GetPixel(0, 0).Alpha < 10);

        var options = new TransformOptions { Width = 100, Format = ImageFormat.Jpeg, Background = new RgbaColor(255, 0, 255) };
        using var bitmap = TestImages.Decode(TestImages.Transform("png-rgba-photo.png", options).Content);
        AssertNear(new SKColor(255, 0, 255), bitmap.GetPixel(0, 0), 8);
    }

    [Fact]
    public void ContainAsPng_DefaultBackground_LetterboxIsTransparent()
    {
        var options = new TransformOptions { Width = 200, Height = 200, Fit = FitMode.Contain, Format = ImageFormat.Png };
        using var bitmap = TestImages.Decode(TestImages.Transform("photo-flower-3mp-baseline.jpg", options).Content);

        Assert.Equal(0, bitmap.GetPixel(0, 0).Alpha);
        Assert.Equal(255, bitmap.GetPixel(100, 100).Alpha);
    }

    [Fact]
    public void ContainAsPng_TranslucentBackground_LetterboxKeepsItsAlpha()
    {
        var options = new TransformOptions { Width = 200, Height = 200, Fit = FitMode.Contain, Format = ImageFormat.Png, Background = new RgbaColor(255, 0, 0, 128) };
        using var bitmap = TestImages.Decode(TestImages.Transform("photo-flower-3mp-baseline.jpg", options).Content);

        AssertNear(new SKColor(255, 0, 0, 128), bitmap.GetPixel(0, 0));
    }

    [Fact]
    public void ContainAsJpeg_DefaultBackground_LetterboxIsWhite()
    {
        var options = new TransformOptions { Width = 200, Height = 200, Fit = FitMode.Contain, Format = ImageFormat.Jpeg };
        using var bitmap = TestImages.Decode(TestImages.Transform("photo-flower-3mp-baseline.jpg", options).Content);

        AssertNear(SKColors.White, bitmap.GetPixel(0, 0));
    }

    [Fact]
    public void ContainAuto_WithoutWebp_LetterboxMakesItPng()
    {
        var options = new TransformOptions { Width = 200, Height = 200, Fit = FitMode.Contain };

        Assert.Equal(ImageFormat.Png, TestImages.Transform("photo-flower-3mp-baseline.jpg", options).Format);
    }

    private static byte[] RedSquareOnTransparent() =>
        Synthetic.Png(100, 100, (x, y) => x is >= 30 and < 70 && y is >= 30 and < 70 ? SKColors.Red : SKColors.Transparent);

    internal static SKBitmap DecodeIgnoringProfile(byte[] source)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(source))!;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
        return bitmap;
    }

    private static (double R, double G, double B) MeanColour(SKBitmap bitmap)
    {
        double r = 0, g = 0, b = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                (r, g, b) = (r + c.Red, g + c.Green, b + c.Blue);
            }
        }

        var n = (double)bitmap.Width * bitmap.Height;
        return (r / n, g / n, b / n);
    }

    private static int CountWhere(SKBitmap bitmap, Func<SKColor, bool> predicate)
    {
        var count = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                count += predicate(bitmap.GetPixel(x, y)) ? 1 : 0;
            }
        }

        return count;
    }

    private static void AssertNear(SKColor expected, SKColor actual, int tolerance = 3)
    {
        var close = Math.Abs(expected.Red - actual.Red) <= tolerance && Math.Abs(expected.Green - actual.Green) <= tolerance
            && Math.Abs(expected.Blue - actual.Blue) <= tolerance && Math.Abs(expected.Alpha - actual.Alpha) <= tolerance;
        Assert.True(close, $"expected {expected}, got {actual}");
    }
}
