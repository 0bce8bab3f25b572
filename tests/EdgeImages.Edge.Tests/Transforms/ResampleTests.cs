using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class ResampleTests
{
    [Fact]
    public void OnePixelCheckerboard_Shrunk20To1_IsFlatGray()
    {
        var result = TestImages.Transform(Synthetic.Checkerboard(2000), new TransformOptions { Width = 100, Format = ImageFormat.Png });
        using var bitmap = TestImages.Decode(result.Content);

        var (mean, stdDev) = TestImages.LumaStats(bitmap);
        Assert.Equal((100, 100), (bitmap.Width, bitmap.Height));
        Assert.InRange(mean, 118, 138);
        Assert.True(stdDev < 8, $"stddev {stdDev:F2}");
    }

    [Theory]
    [InlineData(1999, 97)]
    [InlineData(2000, 131)]
    [InlineData(1000, 333)]
    public void OnePixelCheckerboard_OddRatios_StaysFlat(int size, int width)
    {
        var result = TestImages.Transform(Synthetic.Checkerboard(size), new TransformOptions { Width = width, Format = ImageFormat.Png });
        using var bitmap = TestImages.Decode(result.Content);

        Assert.True(TestImages.LumaStats(bitmap).StdDev < 8);
    }

    [Fact]
    public void ShrinkOnLoad_OnOrOff_LooksTheSame()
    {
        var options = new TransformOptions { Width = 400, Format = ImageFormat.Png };
        var source = TestImages.Read("photo-landscape-12mp.jpg");
        var fast = TestImages.Transformer().Transform(source, options, default, CancellationToken.None);
        var full = TestImages.Transformer(new TransformLimits { ShrinkOnLoad = false }).Transform(source, options, default, CancellationToken.None);

        using var a = TestImages.Decode(fast.Content);
        using var b = TestImages.Decode(full.Content);
        Assert.True(TestImages.MeanAbsDiff(a, b) < 3, $"{TestImages.MeanAbsDiff(a, b):F2}");
    }

    [Fact]
    public void ShrinkOnLoadWithCrop_Transform_MatchesFullDecode()
    {
        var options = new TransformOptions { Crop = new CropRect(1000, 500, 1600, 1200), Width = 200, Format = ImageFormat.Png };
        var source = TestImages.Read("photo-landscape-12mp.jpg");
        var fast = TestImages.Transformer().Transform(source, options, default, CancellationToken.None);
        var full = TestImages.Transformer(new TransformLimits { ShrinkOnLoad = false }).Transform(source, options, default, CancellationToken.None);

        using var a = TestImages.Decode(fast.Content);
        using var b = TestImages.Decode(full.Content);
        Assert.Equal((200, 150), (a.Width, a.Height));
        Assert.True(TestImages.MeanAbsDiff(a, b) < 4, $"{TestImages.MeanAbsDiff(a, b):F2}");
    }

    [Fact]
    public void Upscale_Allowed_Enlarges()
    {
        var result = TestImages.Transform("gif-static.gif", new TransformOptions { Width = 300, Upscale = true, Format = ImageFormat.Png });

        Assert.Equal((300, 300), (result.Width, result.Height));
    }

    [Fact]
    public void Upscale_NotAllowed_KeepsSourceSize()
    {
        var result = TestImages.Transform("gif-static.gif", new TransformOptions { Width = 300, Format = ImageFormat.Png });

        Assert.Equal((128, 128), (result.Width, result.Height));
    }

    [Fact]
    public void Blur_Transform_ReducesVariance()
    {
        var (plain, blurred) = (Luma(new TransformOptions { Width = 300 }), Luma(new TransformOptions { Width = 300, Blur = 4 }));

        Assert.True(blurred.StdDev < plain.StdDev * 0.95, $"{blurred.StdDev:F1} vs {plain.StdDev:F1}");
        Assert.True(Detail(blurred.Bitmap) < Detail(plain.Bitmap) / 2);
        Assert.InRange(blurred.Mean, plain.Mean - 3, plain.Mean + 3);
    }

    [Fact]
    public void Sharpen_Transform_IncreasesVarianceAndDetail()
    {
        var (plain, sharpened) = (Luma(new TransformOptions { Width = 300 }), Luma(new TransformOptions { Width = 300, Sharpen = 1.5 }));

        Assert.True(sharpened.StdDev > plain.StdDev, $"{sharpened.StdDev:F1} vs {plain.StdDev:F1}");
        Assert.True(Detail(sharpened.Bitmap) > Detail(plain.Bitmap) * 1.2);
    }

    [Fact]
    public void SmartGravity_SubjectNearEdge_KeptWhereCenterCutsIt()
    {
        // Flat blue-grey background, a colourful 60x60 checkered subject near the right edge.
        var source = Synthetic.Png(800, 400, (x, y) =>
            x is >= 700 and < 760 && y is >= 170 and < 230
                ? (((x / 10) + (y / 10)) % 3) switch { 0 => SKColors.Red, 1 => SKColors.Yellow, _ => SKColors.Blue }
                : new SKColor(190, 200, 210));
        var narrow = new TransformOptions { Width = 100, Height = 400, Format = ImageFormat.Png };

        using var center = TestImages.Decode(TestImages.Transform(source, narrow).Content);
        using var smart = TestImages.Decode(TestImages.Transform(source, narrow with { Gravity = new Gravity(GravityKind.Smart) }).Content);

        Assert.Equal((100, 400), (smart.Width, smart.Height));
        Assert.Equal(0, SubjectPixels(center));
        Assert.True(SubjectPixels(smart) > 2500, $"{SubjectPixels(smart)} subject pixels");
    }

    [Fact]
    public void SmartGravity_UniformImage_CropsLikeCenter()
    {
        var source = Synthetic.Png(400, 100, (x, y) => x < 200 ? new SKColor(10, 10, 10) : new SKColor(250, 250, 250));
        var options = new TransformOptions { Width = 100, Height = 100, Format = ImageFormat.Png };

        var center = TestImages.Transform(source, options);
        var smart = TestImages.Transform(source, options with { Gravity = new Gravity(GravityKind.Smart) });

        Assert.Equal(center.Content, smart.Content);
    }

    [Fact]
    public void BestWindow_EnergyInOneCorner_CoveringWindowNearestCentre()
    {
        var energy = new float[10 * 10];
        energy[(8 * 10) + 9] = 5;

        Assert.Equal((6, 5), SmartGravity.BestWindow(energy, new PixelSize(10, 10), new PixelSize(4, 4)));
    }

    [Fact]
    public void BestWindow_NoEnergy_IsCentred() =>
        Assert.Equal((3, 0), SmartGravity.BestWindow(new float[10 * 4], new PixelSize(10, 4), new PixelSize(4, 4)));

    [Theory]
    [InlineData(GravityKind.West, 0)]
    [InlineData(GravityKind.East, 1)]
    public void CoverGravity_OnPanorama_KeepsThatEnd(GravityKind kind, int quarter)
    {
        // The panorama is four different photos side by side; w/e gravity must keep the first/last one.
        var options = new TransformOptions { Width = 100, Height = 100, Gravity = new Gravity(kind), Format = ImageFormat.Png };
        using var cropped = TestImages.Decode(TestImages.Transform("panorama-8000x1000.jpg", options).Content);
        using var strip = TestImages.Decode(TestImages.Transform("panorama-8000x1000.jpg", new TransformOptions { Width = 800, Format = ImageFormat.Png }).Content);
        using var end = new SKBitmap();
        Assert.True(strip.ExtractSubset(end, SKRectI.Create(quarter == 0 ? 0 : 700, 0, 100, 100)));

        Assert.True(TestImages.MeanAbsDiff(cropped, end) < 6, $"{TestImages.MeanAbsDiff(cropped, end):F1}");
    }

    private static (double Mean, double StdDev, SKBitmap Bitmap) Luma(TransformOptions options)
    {
        var bitmap = TestImages.Decode(TestImages.Transform("photo-flower-3mp-baseline.jpg", options with { Format = ImageFormat.Png }).Content);
        var (mean, stdDev) = TestImages.LumaStats(bitmap);
        return (mean, stdDev, bitmap);
    }

    /// <summary>Mean absolute luminance difference between horizontal neighbours: high-frequency content.</summary>
    private static double Detail(SKBitmap bitmap)
    {
        double sum = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 1; x < bitmap.Width; x++)
            {
                sum += Math.Abs(TestImages.Luma(bitmap.GetPixel(x, y)) - TestImages.Luma(bitmap.GetPixel(x - 1, y)));
            }
        }

        return sum / (bitmap.Height * (bitmap.Width - 1));
    }

    private static int SubjectPixels(SKBitmap bitmap)
    {
        var count = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                count += Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 120 ? 1 : 0;
            }
        }

        return count;
    }
}
