using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// <c>g:smart</c>: finds where a cover crop keeps the most "interesting" pixels and turns that into a focal
/// point. Interest is edge energy (luminance gradient) plus saturation on a copy at most
/// <see cref="AnalysisSize"/> pixels on its long side, summed over every window of the output's shape with
/// an integral image. A heuristic, not a detector: it finds detailed, colourful subjects on plainer
/// backgrounds (products, people against sky) and falls back to the centre on uniform images. Cost is a
/// small resample plus O(cells), well under a millisecond after the downscale.
/// </summary>
internal static class SmartGravity
{
    private const int AnalysisSize = 128;

    // Saturation counts half as much as detail: a red wall should not beat a face, but it should beat grey sky.
    private const float SaturationWeight = 0.5f;

    public static void Resolve(TransformContext ctx)
    {
        // Once per image: every frame of an animation is cut at the first frame's focal point, or the crop would jitter.
        var plan = ctx.RequiredPlan;
        if (ctx.ResolvedGravity is not null || plan.Fit != FitMode.Cover || ctx.Options.EffectiveGravity.Kind != GravityKind.Smart || plan.Scaled == plan.Output)
        {
            return;
        }

        var image = ctx.Image;
        var scale = Math.Min(1, (double)AnalysisSize / Math.Max(image.Width, image.Height));
        var size = new PixelSize(Math.Max(1, (int)Math.Round(image.Width * scale)), Math.Max(1, (int)Math.Round(image.Height * scale)));
        using var small = image.Resize(Pixels.Info(size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new InvalidOperationException("Skia could not downscale the image for saliency.");
        var window = new PixelSize(
            Math.Clamp((int)Math.Round((double)size.Width * plan.Output.Width / plan.Scaled.Width), 1, size.Width),
            Math.Clamp((int)Math.Round((double)size.Height * plan.Output.Height / plan.Scaled.Height), 1, size.Height));
        var (x, y) = BestWindow(Energy(small), size, window);
        ctx.ResolvedGravity = new Gravity(
            GravityKind.FocalPoint, (x + (window.Width / 2.0)) / size.Width, (y + (window.Height / 2.0)) / size.Height);
    }

    /// <summary>
    /// Top-left of the <paramref name="window"/> with the largest energy sum; among equal sums (within a
    /// relative 1e-6) the one nearest the centre wins, so a featureless image crops like <c>g:center</c>.
    /// </summary>
    public static (int X, int Y) BestWindow(float[] energy, PixelSize size, PixelSize window)
    {
        ArgumentNullException.ThrowIfNull(energy);
        int w = size.Width, h = size.Height, stride = w + 1;
        var integral = new double[stride * (h + 1)];
        for (var y = 0; y < h; y++)
        {
            double row = 0;
            for (var x = 0; x < w; x++)
            {
                row += energy[(y * w) + x];
                integral[((y + 1) * stride) + x + 1] = integral[(y * stride) + x + 1] + row;
            }
        }

        double centreX = (w - window.Width) / 2.0, centreY = (h - window.Height) / 2.0;
        var best = (X: 0, Y: 0, Sum: double.NegativeInfinity, Distance: double.PositiveInfinity);
        var tolerance = 1e-6 * Math.Max(1, integral[^1]);
        for (var y = 0; y + window.Height <= h; y++)
        {
            for (var x = 0; x + window.Width <= w; x++)
            {
                int x2 = x + window.Width, y2 = y + window.Height;
                var sum = integral[(y2 * stride) + x2] - integral[(y * stride) + x2] - integral[(y2 * stride) + x] + integral[(y * stride) + x];
                var distance = Math.Abs(x - centreX) + Math.Abs(y - centreY);
                if (sum > best.Sum + tolerance || (sum >= best.Sum - tolerance && distance < best.Distance))
                {
                    best = (x, y, Math.Max(sum, best.Sum), distance);
                }
            }
        }

        return (best.X, best.Y);
    }

    /// <summary>Per-pixel interest: luminance gradient plus weighted saturation, scaled by opacity.</summary>
    private static float[] Energy(SKBitmap small)
    {
        int w = small.Width, h = small.Height, rowBytes = small.RowBytes;
        var pixels = small.GetPixelSpan();
        var luma = new float[w * h];
        var energy = new float[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var p = pixels.Slice((y * rowBytes) + (x * 4), 4);
                byte max = Math.Max(p[0], Math.Max(p[1], p[2])), min = Math.Min(p[0], Math.Min(p[1], p[2]));
                luma[(y * w) + x] = (0.299f * p[0]) + (0.587f * p[1]) + (0.114f * p[2]);
                energy[(y * w) + x] = SaturationWeight * (max - min) * (p[3] / 255f);
            }
        }

        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = (y * w) + x;
                var dx = x + 1 < w ? Math.Abs(luma[i + 1] - luma[i]) : 0;
                var dy = y + 1 < h ? Math.Abs(luma[i + w] - luma[i]) : 0;
                energy[i] += dx + dy;
            }
        }

        return energy;
    }
}
