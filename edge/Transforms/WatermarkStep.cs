using EdgeImages.Edge.Http;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Lays the tenant's watermark over the output-sized image: after resize and filters (so it is never blurred, cropped
/// or resampled twice), before the format is chosen and flattened (so <c>f:auto</c> and JPEG see the final pixels) and
/// before encoding, whatever the format. <see cref="Composite"/> is a function of one frame, the decoded watermark and
/// its placement, so a per-frame pipeline (animation) can call it for every frame with one decode of the watermark.
/// </summary>
internal static class WatermarkStep
{
    public static void Apply(TransformContext ctx)
    {
        if (ctx.Watermark is not { } watermark)
        {
            return;
        }

        using var mark = Decode(watermark.Image, ctx.Limits, ctx.Memory);
        Composite(ctx.Image, mark, watermark.Placement);
    }

    /// <summary>
    /// Decodes a watermark image to premultiplied sRGB RGBA, upright, within the source pixel limit and the miss's memory
    /// reservation. A watermark the edge cannot use is the tenant's configuration failing, not the visitor's request nor
    /// the original: 502, as for an origin that fails.
    /// </summary>
    public static SKBitmap Decode(ReadOnlyMemory<byte> image, TransformLimits limits, MemoryReservation? memory)
    {
        ArgumentNullException.ThrowIfNull(limits);
        using var data = SKData.CreateCopy(image.Span);
        using var codec = SKCodec.Create(data) ?? throw Unusable("is not an image the edge can decode");
        var size = new PixelSize(codec.Info.Width, codec.Info.Height);
        if ((long)size.Width * size.Height > limits.MaxSourcePixels)
        {
            throw Unusable("is larger than the source pixel limit");
        }

        memory?.Require(memory.Bytes + (8L * size.Width * size.Height));
        var bitmap = Pixels.Allocate(size);
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            bitmap.Dispose();
            throw Unusable("is not an image the edge can decode");
        }

        if (codec.EncodedOrigin == SKEncodedOrigin.TopLeft)
        {
            return bitmap;
        }

        using (bitmap)
        {
            return Pixels.Reorient(bitmap, codec.EncodedOrigin);
        }
    }

    /// <summary>
    /// Draws <paramref name="mark"/> onto <paramref name="frame"/> in place, at <paramref name="placement"/>. Both are
    /// premultiplied, so source-over is the alpha-correct "over" operator: a half-transparent pixel of the mark covers
    /// half, a transparent one nothing; opacity scales the mark's alpha (and, premultiplied, its colour with it).
    /// </summary>
    public static void Composite(SKBitmap frame, SKBitmap mark, WatermarkPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(mark);
        var (x, y, width, height) = WatermarkGeometry.Place(Pixels.SizeOf(frame), Pixels.SizeOf(mark), placement);

        // Mitchell is crisp within 2:1; past that a cubic's 4x4 footprint aliases (see Resampler), and the mipmapped
        // linear filter averages every source pixel instead: a large logo shrunk to a corner stays smooth.
        var sampling = mark.Width >= 2 * width || mark.Height >= 2 * height
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : Resampler.Final(Pixels.SizeOf(mark), new PixelSize(width, height));
        using var paint = new SKPaint
        {
            BlendMode = SKBlendMode.SrcOver,
            Color = SKColors.White.WithAlpha((byte)Math.Round(Math.Clamp(placement.Opacity, 0, 1) * 255)),
        };
        using var image = SKImage.FromBitmap(mark);
        using var canvas = new SKCanvas(frame);
        canvas.DrawImage(image, SKRect.Create(mark.Width, mark.Height), SKRect.Create(x, y, width, height), sampling, paint);
        canvas.Flush();
    }

    private static EdgeProblemException Unusable(string why) =>
        new(StatusCodes.Status502BadGateway, "Bad gateway", $"The tenant's watermark image {why}.");
}
