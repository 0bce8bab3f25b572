using EdgeImages.Edge.Http;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Lays the tenant's watermark over the output-sized image: after resize and filters (so it is never blurred, cropped
/// or resampled twice), before the format is chosen and flattened (so <c>f:auto</c> and JPEG see the final pixels) and
/// before encoding, whatever the format. The watermark is decoded and scaled once per output size
/// (<see cref="ScaledWatermark"/>), so a per-frame pipeline (animation) draws the same scaled pixels on every frame.
/// </summary>
internal static class WatermarkStep
{
    public static void Apply(TransformContext ctx)
    {
        if (ctx.Watermark is not { } watermark)
        {
            return;
        }

        // Every frame of an animation is one size: the watermark is decoded and scaled for the first and drawn 1:1 on
        // the rest. Decoding (and resampling) a 15 MP watermark per frame took a 30-frame GIF past its deadline.
        var output = Pixels.SizeOf(ctx.Image);
        if (ctx.ScaledWatermark is not { } scaled || scaled.Output != output)
        {
            ctx.ScaledWatermark?.Dispose();
            ctx.ScaledWatermark = null;
            using var mark = Decode(watermark.Image, ctx.Limits, ctx.Memory);
            ctx.ScaledWatermark = scaled = Scale(mark, output, watermark.Placement);
        }

        scaled.DrawOver(ctx.Image);
    }

    /// <summary>
    /// The watermark resampled to its placed size on an output of <paramref name="output"/>, opacity not yet applied.
    /// Mitchell is crisp within 2:1; past that a cubic's 4x4 footprint aliases (see Resampler), and the mipmapped linear
    /// filter averages every source pixel instead: a large logo shrunk to a corner stays smooth.
    /// </summary>
    public static ScaledWatermark Scale(SKBitmap mark, PixelSize output, WatermarkPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(mark);
        var (x, y, width, height) = WatermarkGeometry.Place(output, Pixels.SizeOf(mark), placement);
        var sampling = mark.Width >= 2 * width || mark.Height >= 2 * height
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : Resampler.Final(Pixels.SizeOf(mark), new PixelSize(width, height));
        using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
        using var image = SKImage.FromBitmap(mark);
        var scaled = Pixels.Render(new PixelSize(width, height), SKColors.Transparent, canvas =>
            canvas.DrawImage(image, SKRect.Create(mark.Width, mark.Height), SKRect.Create(width, height), sampling, paint));
        return new ScaledWatermark(output, x, y, scaled, placement.Opacity);
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

    /// <summary>Draws <paramref name="mark"/> onto <paramref name="frame"/> in place, at <paramref name="placement"/>: scaled, then laid over.</summary>
    public static void Composite(SKBitmap frame, SKBitmap mark, WatermarkPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var scaled = Scale(mark, Pixels.SizeOf(frame), placement);
        scaled.DrawOver(frame);
    }

    private static EdgeProblemException Unusable(string why) =>
        new(StatusCodes.Status502BadGateway, "Bad gateway", $"The tenant's watermark image {why}.");
}
