using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// High-quality resampling in two stages. Skia's cubic filters read a fixed 4x4 neighbourhood, so on
/// their own they alias badly past 2:1 (a 1-px checkerboard at 20:1 turns to moiré). Downscaling first
/// halves repeatedly with bilinear sampling, which at exactly 2:1 is a 2x2 box average (alias-free, and cheap),
/// until less than 2:1 remains; the last step is <see cref="LanczosResampler"/> when both sides shrink (or stay),
/// Mitchell-Netravali cubic otherwise. After a shrink-on-load decode, which is itself a block average, halving
/// stops at 4:1 instead, as libvips leaves its Lanczos a factor of up to four (its <c>gap</c>): a second box in a row
/// is soft, measured 18 dB further from a Lanczos reduction of the original on the 8000x1000 panorama (1000 px
/// decoded at 1/8, 400 wanted) than one Lanczos step of 2.5:1, which costs 16 taps a pixel instead of 8. A full
/// decode keeps the boxes: on flat-coloured graphics (the animated fixtures) an exact box halving is closer to an
/// area average than a Lanczos. Upscaling is Mitchell alone.
/// </summary>
internal static class Resampler
{
    /// <summary>
    /// Halves the current image along each axis that is still 2:1 or more above <paramref name="target"/>, 4:1 or more
    /// when the decoder averaged blocks already and a Lanczos step follows (<paramref name="lanczosAfterBlockAverage"/>).
    /// </summary>
    public static void HalveToward(TransformContext ctx, PixelSize target, bool lanczosAfterBlockAverage)
    {
        var limit = lanczosAfterBlockAverage ? 4 : 2;
        while (true)
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            var image = ctx.Image;
            var halveX = image.Width >= limit * target.Width && image.Width > 1;
            var halveY = image.Height >= limit * target.Height && image.Height > 1;
            if (!halveX && !halveY)
            {
                return;
            }

            var size = new PixelSize(halveX ? (image.Width + 1) / 2 : image.Width, halveY ? (image.Height + 1) / 2 : image.Height);
            var scale = SKMatrix.CreateScale(halveX ? 0.5f : 1f, halveY ? 0.5f : 1f);

            // A clamped shader at exactly 1/2 keeps every sample on a 2x2 block even when a side is odd (the last
            // column or row then averages with itself); drawing into a w/2-wide rect would drift or blend the edge.
            using var shader = image.ToShader(SKShaderTileMode.Clamp, SKShaderTileMode.Clamp, new SKSamplingOptions(SKFilterMode.Linear), scale);
            using var paint = new SKPaint { BlendMode = SKBlendMode.Src, Shader = shader };
            var coverage = ctx.Coverage.Halve(halveX, halveY);
            ctx.Replace(Pixels.Render(size, SKColors.Transparent, canvas => canvas.DrawRect(SKRect.Create(size.Width, size.Height), paint)));
            ctx.Coverage = coverage;
        }
    }

    /// <summary>The sampling for the last step from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static SKSamplingOptions Final(PixelSize from, PixelSize to) =>
        from == to ? new SKSamplingOptions(SKFilterMode.Nearest) : new SKSamplingOptions(SKCubicResampler.Mitchell);
}
