using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// A watermark resampled for one output size, kept for the request (<see cref="TransformContext.ScaledWatermark"/>) so
/// every frame of an animation gets the same pixels without a decode or resample each.
/// </summary>
internal sealed class ScaledWatermark(PixelSize output, int x, int y, SKBitmap mark, double opacity) : IDisposable
{
    public PixelSize Output { get; } = output;

    public SKBitmap Mark { get; } = mark;

    /// <summary>
    /// Lays the mark over <paramref name="frame"/> 1:1. Both are premultiplied, so source-over is the alpha-correct
    /// "over" operator: a half-transparent pixel of the mark covers half, a transparent one nothing; opacity scales the
    /// mark's alpha (and, premultiplied, its colour with it).
    /// </summary>
    public void DrawOver(SKBitmap frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var paint = new SKPaint
        {
            BlendMode = SKBlendMode.SrcOver,
            Color = SKColors.White.WithAlpha((byte)Math.Round(Math.Clamp(opacity, 0, 1) * 255)),
        };
        using var canvas = new SKCanvas(frame);
        canvas.DrawBitmap(Mark, x, y, new SKSamplingOptions(SKFilterMode.Nearest), paint);
        canvas.Flush();
    }

    public void Dispose() => Mark.Dispose();
}
