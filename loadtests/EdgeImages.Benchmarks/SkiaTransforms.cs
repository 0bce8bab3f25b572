using SkiaSharp;

namespace EdgeImages.Benchmarks;

/// <summary>The encoded format of a case's output.</summary>
public enum OutputFormat
{
    /// <summary>JPEG q80, 4:2:0.</summary>
    Jpeg,

    /// <summary>Lossy WebP q80.</summary>
    Webp,
}

/// <summary>
/// The two reference pipelines, written out step by step so that the comparison can also time each
/// step: decode (full, or scaled by libjpeg-turbo's DCT scaling), resize to the exact width, encode.
/// Both use the same resize and encode, so the difference between them is the decode alone.
/// </summary>
internal static class SkiaTransforms
{
    public const int TargetWidth = 400;
    public const int Quality = 80;

    // Immutable and shared by every call; Skia's sRGB singleton.
    private static readonly SKColorSpace Srgb = SKColorSpace.CreateSrgb();

    /// <summary>(a) Decode every source pixel into sRGB, then resize and encode.</summary>
    public static SKData FullDecode(ReadOnlySpan<byte> source, OutputFormat format)
    {
        using var decoded = Decode(source, scaleToWidth: null);
        using var resized = Resize(decoded, TargetWidth);
        return Encode(resized, format);
    }

    /// <summary>(b) Decode at the smallest DCT scale still at least 400 px wide, then resize and encode.</summary>
    public static SKData ShrinkOnLoad(ReadOnlySpan<byte> source, OutputFormat format)
    {
        using var decoded = Decode(source, scaleToWidth: TargetWidth);
        using var resized = Resize(decoded, TargetWidth);
        return Encode(resized, format);
    }

    /// <summary>
    /// Decodes into 8-bit sRGB. With <paramref name="scaleToWidth"/>, asks the codec for the smallest
    /// size it can decode to directly that is still at least that wide (JPEG: 1/8 to 8/8).
    /// </summary>
    public static SKBitmap Decode(ReadOnlySpan<byte> source, int? scaleToWidth)
    {
        // One copy of the compressed bytes (2.4 MB, well under a millisecond) into memory Skia owns,
        // as a server handing Skia a pooled buffer would.
        using var data = SKData.CreateCopy(source);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException("Skia cannot read the source.");
        var size = scaleToWidth is { } width ? SmallestScaledSizeAtLeast(codec, width) : codec.Info.Size;
        var info = new SKImageInfo(size.Width, size.Height, SKImageInfo.PlatformColorType, codec.Info.AlphaType, Srgb);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InvalidDataException($"Decoding gave {result}.");
        }

        return bitmap;
    }

    /// <summary>The smallest size the codec decodes to directly whose width is at least <paramref name="width"/>.</summary>
    public static SKSizeI SmallestScaledSizeAtLeast(SKCodec codec, int width)
    {
        var best = codec.Info.Size;
        // libjpeg-turbo scales by n/8; other codecs answer their full size for every n, which is still correct.
        for (var n = 1; n < 8; n++)
        {
            var scaled = codec.GetScaledDimensions(n / 8f);
            if (scaled.Width >= width && scaled.Width < best.Width)
            {
                best = scaled;
            }
        }

        return best;
    }

    /// <summary>
    /// High-quality resize to <paramref name="width"/>, keeping the aspect ratio. A reduction of more
    /// than 2x is filtered through trilinear mipmaps (a box-filtered pyramid: bicubic alone would read
    /// 4x4 taps out of a 10x10 footprint and alias); a smaller one uses Mitchell bicubic.
    /// </summary>
    public static SKBitmap Resize(SKBitmap source, int width)
    {
        var height = Math.Max(1, (int)Math.Round(source.Height * (double)width / source.Width));
        var sampling = source.Width > 2 * width
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);
        var target = new SKBitmap(source.Info.WithSize(width, height));
        using var from = source.PeekPixels();
        using var to = target.PeekPixels();
        if (!from.ScalePixels(to, sampling))
        {
            target.Dispose();
            throw new InvalidOperationException("Skia did not resize.");
        }

        return target;
    }

    /// <summary>Encodes at <see cref="Quality"/>.</summary>
    public static SKData Encode(SKBitmap bitmap, OutputFormat format)
    {
        using var pixmap = bitmap.PeekPixels();
        var encoded = format switch
        {
            OutputFormat.Jpeg => pixmap.Encode(new SKJpegEncoderOptions(
                Quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore)),
            OutputFormat.Webp => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, Quality)),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
        return encoded ?? throw new InvalidOperationException($"Skia did not encode {format}.");
    }
}
