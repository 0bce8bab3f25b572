using SkiaSharp;

namespace EdgeImages.LoadTests.Probes;

/// <summary>
/// The quality yardstick of the miss comparison, independent of both servers: the full-size original decoded by Skia
/// (sRGB), flattened on grey, reduced to the output width by a separable Lanczos-3 filter widened by the scale (an
/// exact, alias-free reduction), in the sRGB values as both servers resample them; and PSNR over RGB against it.
/// Flattening before resampling equals resampling premultiplied and flattening after, since both are linear.
/// </summary>
internal static class Reference
{
    private const byte Grey = 128;

    /// <summary>RGB planes (3 floats a pixel) of the reference at <paramref name="width"/> wide, its height rounded.</summary>
    public static (float[] Rgb, int Width, int Height) Lanczos(byte[] original, int width)
    {
        var (rgb, w, h) = DecodeFlattened(original);
        var height = Math.Max(1, (int)Math.Round((double)h * width / w));
        var horizontal = Resample(rgb, w, h, width, horizontalPass: true);
        var both = Resample(horizontal, width, h, height, horizontalPass: false);
        return (both, width, height);
    }

    /// <summary>PSNR in dB of <paramref name="encoded"/> (decoded by Skia, alpha flattened on grey) against <paramref name="reference"/>, over their common area.</summary>
    public static double Psnr((float[] Rgb, int Width, int Height) reference, byte[] encoded)
    {
        var (rgb, w, h) = DecodeFlattened(encoded);
        int width = Math.Min(w, reference.Width), height = Math.Min(h, reference.Height);
        double sum = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width * 3; x++)
            {
                var expected = Math.Clamp(Math.Round(reference.Rgb[(y * reference.Width * 3) + x]), 0, 255);
                var d = rgb[(y * w * 3) + x] - expected;
                sum += d * d;
            }
        }

        var mse = sum / (width * height * 3);
        return mse == 0 ? 99 : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    private static (float[] Rgb, int Width, int Height) DecodeFlattened(byte[] encoded)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(encoded)) ?? throw new InvalidDataException("Skia cannot decode the image.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb());
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new InvalidDataException($"Skia decoded {result}.");
        }

        var pixels = bitmap.GetPixelSpan();
        var rgb = new float[info.Width * info.Height * 3];
        for (int i = 0, o = 0; i < info.Width * info.Height * 4; i += 4, o += 3)
        {
            var a = pixels[i + 3] / 255f;
            for (var c = 0; c < 3; c++)
            {
                rgb[o + c] = (pixels[i + c] * a) + (Grey * (1 - a));
            }
        }

        return (rgb, info.Width, info.Height);
    }

    private static float[] Resample(float[] source, int width, int height, int size, bool horizontalPass)
    {
        var from = horizontalPass ? width : height;
        var scale = (double)size / from;
        var support = 3.0 / Math.Min(scale, 1.0);
        var result = horizontalPass ? new float[size * height * 3] : new float[width * size * 3];
        for (var o = 0; o < size; o++)
        {
            var centre = ((o + 0.5) / scale) - 0.5;
            int first = (int)Math.Floor(centre - support) + 1, last = (int)Math.Ceiling(centre + support) - 1;
            var weights = new double[last - first + 1];
            double total = 0;
            for (var i = first; i <= last; i++)
            {
                var weight = Lanczos3((i - centre) * Math.Min(scale, 1.0));
                weights[i - first] = weight;
                total += weight;
            }

            var lines = horizontalPass ? height : width;
            for (var line = 0; line < lines; line++)
            {
                double r = 0, g = 0, b = 0;
                for (var i = first; i <= last; i++)
                {
                    var at = Math.Clamp(i, 0, from - 1);
                    var index = horizontalPass ? ((line * width) + at) * 3 : ((at * width) + line) * 3;
                    var weight = weights[i - first];
                    r += source[index] * weight;
                    g += source[index + 1] * weight;
                    b += source[index + 2] * weight;
                }

                var target = horizontalPass ? ((line * size) + o) * 3 : ((o * width) + line) * 3;
                result[target] = (float)(r / total);
                result[target + 1] = (float)(g / total);
                result[target + 2] = (float)(b / total);
            }
        }

        return result;
    }

    private static double Lanczos3(double x)
    {
        if (x == 0)
        {
            return 1;
        }

        if (Math.Abs(x) >= 3)
        {
            return 0;
        }

        var px = Math.PI * x;
        return 3 * Math.Sin(px) * Math.Sin(px / 3) / (px * px);
    }
}
