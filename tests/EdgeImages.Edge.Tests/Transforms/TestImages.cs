using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

/// <summary>The shared test images (../shared/testimages from the repository root) and helpers to inspect outputs.</summary>
internal static class TestImages
{
    private static readonly Lazy<string> Folder = new(FindFolder);

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Folder.Value, name));

    public static ImageTransformer Transformer(TransformLimits? limits = null) =>
        new(Options.Create(limits ?? new TransformLimits()), TimeProvider.System);

    public static TransformedImage Transform(string name, TransformOptions options, AcceptedFormats accepted = default) =>
        Transformer().Transform(Read(name), options, accepted, CancellationToken.None);

    public static TransformedImage Transform(byte[] source, TransformOptions options, AcceptedFormats accepted = default) =>
        Transformer().Transform(source, options, accepted, CancellationToken.None);

    /// <summary>Decodes an output into unpremultiplied RGBA sRGB for pixel assertions.</summary>
    public static SKBitmap Decode(byte[] encoded)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(encoded)) ?? throw new InvalidOperationException("output does not decode");
        var bitmap = new SKBitmap(new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb()));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        Assert.Equal(SKCodecResult.Success, result);
        return bitmap;
    }

    /// <summary>Resizes a decoded bitmap to a small size for whole-image comparisons.</summary>
    public static SKBitmap Thumbnail(SKBitmap bitmap, int width, int height)
    {
        // Resample premultiplied, as the pipeline does: averaging unpremultiplied pixels drags in the colour of transparent ones.
        using var premul = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Assert.True(bitmap.CopyTo(premul));
        return premul.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
    }

    public static double MeanAbsDiff(SKBitmap a, SKBitmap b)
    {
        Assert.Equal(a.Width, b.Width);
        Assert.Equal(a.Height, b.Height);
        double sum = 0;
        for (var y = 0; y < a.Height; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                SKColor p = a.GetPixel(x, y), q = b.GetPixel(x, y);
                sum += Math.Abs(p.Red - q.Red) + Math.Abs(p.Green - q.Green) + Math.Abs(p.Blue - q.Blue);
            }
        }

        return sum / (3.0 * a.Width * a.Height);
    }

    /// <summary>
    /// The textbook downscale: each output pixel is the alpha-weighted mean of the source area it covers,
    /// fractional edges included. Slow and exact, a reference for what resampling should approximate.
    /// </summary>
    public static SKBitmap AreaAverage(SKBitmap source, int width, int height)
    {
        var output = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        double fx = (double)source.Width / width, fy = (double)source.Height / height;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double r = 0, g = 0, b = 0, a = 0, area = 0;
                double x0 = x * fx, x1 = (x + 1) * fx, y0 = y * fy, y1 = (y + 1) * fy;
                for (var sy = (int)y0; sy < Math.Min(Math.Ceiling(y1), source.Height); sy++)
                {
                    var wy = Math.Min(y1, sy + 1) - Math.Max(y0, sy);
                    for (var sx = (int)x0; sx < Math.Min(Math.Ceiling(x1), source.Width); sx++)
                    {
                        var w = (Math.Min(x1, sx + 1) - Math.Max(x0, sx)) * wy;
                        var c = source.GetPixel(sx, sy);
                        (r, g, b, a, area) = (r + (c.Red * c.Alpha * w), g + (c.Green * c.Alpha * w), b + (c.Blue * c.Alpha * w), a + (c.Alpha * w), area + w);
                    }
                }

                output.SetPixel(x, y, a <= 0
                    ? SKColors.Transparent
                    : new SKColor((byte)Math.Round(r / a), (byte)Math.Round(g / a), (byte)Math.Round(b / a), (byte)Math.Round(a / area)));
            }
        }

        return output;
    }

    /// <summary>Like <see cref="MeanAbsDiff"/> on premultiplied values: the colour of a transparent pixel does not count.</summary>
    public static double MeanAbsDiffPremultiplied(SKBitmap a, SKBitmap b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        double sum = 0;
        for (var y = 0; y < a.Height; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                SKColor p = a.GetPixel(x, y), q = b.GetPixel(x, y);
                sum += Math.Abs((p.Red * p.Alpha / 255.0) - (q.Red * q.Alpha / 255.0)) + Math.Abs((p.Green * p.Alpha / 255.0) - (q.Green * q.Alpha / 255.0))
                    + Math.Abs((p.Blue * p.Alpha / 255.0) - (q.Blue * q.Alpha / 255.0)) + Math.Abs(p.Alpha - q.Alpha);
            }
        }

        return sum / (4.0 * a.Width * a.Height);
    }

    public static double Luma(SKColor c) => (0.299 * c.Red) + (0.587 * c.Green) + (0.114 * c.Blue);

    public static (double Mean, double StdDev) LumaStats(SKBitmap bitmap, int margin = 0)
    {
        var values = new List<double>();
        for (var y = margin; y < bitmap.Height - margin; y++)
        {
            for (var x = margin; x < bitmap.Width - margin; x++)
            {
                values.Add(Luma(bitmap.GetPixel(x, y)));
            }
        }

        var mean = values.Average();
        return (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count));
    }

    public static byte[] EncodePng(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeImages.sln")))
            {
                var folder = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testimages"));
                return Directory.Exists(folder) ? folder : throw new DirectoryNotFoundException($"No test images at {folder}.");
            }
        }

        throw new DirectoryNotFoundException("No EdgeImages.sln above " + AppContext.BaseDirectory);
    }
}
