using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>A size in whole pixels.</summary>
internal readonly record struct PixelSize(int Width, int Height)
{
    public long Area => (long)Width * Height;

    public PixelSize Transposed => new(Height, Width);

    public override string ToString() => $"{Width}x{Height}";
}

/// <summary>
/// Options that cannot apply to this source's size (a <c>crop</c> outside it). Geometry knows sizes, not HTTP: the
/// edge's one problem translator (<c>Http/EdgeProblems</c>) answers it as a 400, since the URL asked for it.
/// </summary>
/// <param name="message">What does not fit, in the URL's terms; safe to show the client.</param>
internal sealed class GeometryException(string message) : Exception(message);

/// <summary>
/// What the resize step must produce. <see cref="Scaled"/> is the size the whole (cropped, rotated)
/// input is resampled to; <see cref="Output"/> is the canvas. They differ for cover (the scaled image
/// overflows the canvas and is cropped at the gravity) and contain (it is letterboxed).
/// </summary>
internal sealed record FitPlan(PixelSize Input, PixelSize Scaled, PixelSize Output, FitMode Fit)
{
    /// <summary>The smallest uniform scale the resize needs; shrink-on-load may decode down to it.</summary>
    public double MinimumScale => Math.Max((double)Scaled.Width / Input.Width, (double)Scaled.Height / Input.Height);
}

/// <summary>
/// The geometry of a transformation as pure functions of sizes and options: no pixels, no Skia objects.
/// Upscaling rule (<c>up:0</c>, the default): the output is never wider or taller than the input
/// (after crop and rotation). For box fits (cover, contain, fill) a box bigger than the input is shrunk
/// proportionally until it fits inside the input, so the requested aspect ratio survives; inside and
/// outside clamp their scale to 1.
/// </summary>
internal static class Geometry
{
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>The upright size of a stored image: EXIF origins 5 to 8 swap width and height.</summary>
    public static PixelSize Orient(PixelSize stored, SKEncodedOrigin origin) => SwapsAxes(origin) ? stored.Transposed : stored;

    /// <summary>The size after <c>crop</c>; a rectangle not wholly inside the oriented source is a <see cref="GeometryException"/>.</summary>
    public static PixelSize Crop(PixelSize oriented, CropRect? crop)
    {
        if (crop is not { } c)
        {
            return oriented;
        }

        var inside = c.X >= 0 && c.Y >= 0 && c.Width > 0 && c.Height > 0
            && (long)c.X + c.Width <= oriented.Width && (long)c.Y + c.Height <= oriented.Height;
        return inside
            ? new PixelSize(c.Width, c.Height)
            : throw new GeometryException($"crop {c.X}:{c.Y}:{c.Width}:{c.Height} does not lie inside the {oriented} source.");
    }

    /// <summary>The size after <c>rot</c>: a quarter turn swaps width and height.</summary>
    public static PixelSize Rotate(PixelSize size, int degrees) => degrees is 90 or 270 ? size.Transposed : size;

    /// <summary>
    /// The requested box in device pixels (<c>w</c>/<c>h</c> times <c>dpr</c>, rounded), or null with neither.
    /// With only one side the other follows the input's aspect ratio, so every fit gives the same result.
    /// </summary>
    public static PixelSize? Box(int? width, int? height, double dpr, PixelSize input)
    {
        if (width is null && height is null)
        {
            return null;
        }

        if (width is { } w && height is { } h)
        {
            return new PixelSize(Round(w * dpr), Round(h * dpr));
        }

        if (width is { } onlyW)
        {
            var bw = Round(onlyW * dpr);
            return new PixelSize(bw, Round((double)bw * input.Height / input.Width));
        }

        var bh = Round(height!.Value * dpr);
        return new PixelSize(Round((double)bh * input.Width / input.Height), bh);
    }

    /// <summary>Plans the resize of <paramref name="input"/> (the size after crop and rotation).</summary>
    public static FitPlan PlanFit(PixelSize input, TransformOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Box(options.Width, options.Height, options.EffectiveDpr, input) is not { } box)
        {
            return new FitPlan(input, input, input, FitMode.Fill);
        }

        var up = options.Upscale ?? false;
        var fit = options.EffectiveFit;
        if (options.Width is null || options.Height is null)
        {
            // One side asked: the box has the input's aspect ratio, so it is the output for every fit, and the side asked
            // comes out exactly (what the SDK's DisplaySize declares). Taking the smaller of two scales, one of them from the
            // rounded other side, lost a pixel (2268x1512 at w:749 gave 748x499). Without up a box larger than the input
            // is the input itself.
            var size = up || (box.Width <= input.Width && box.Height <= input.Height) ? box : input;
            return new FitPlan(input, size, size, fit);
        }

        double sx = (double)box.Width / input.Width, sy = (double)box.Height / input.Height;
        switch (fit)
        {
            case FitMode.Inside or FitMode.Outside:
                var s = fit == FitMode.Inside ? Math.Min(sx, sy) : Math.Max(sx, sy);
                var scaled = Scale(input, up ? s : Math.Min(s, 1));
                return new FitPlan(input, scaled, scaled, fit);
            default:
                var output = up ? box : ShrinkToFit(box, input);
                sx = (double)output.Width / input.Width;
                sy = (double)output.Height / input.Height;
                return fit switch
                {
                    FitMode.Cover => new FitPlan(input, AtLeast(Scale(input, Math.Max(sx, sy)), output), output, fit),
                    FitMode.Contain => new FitPlan(input, AtMost(Scale(input, Math.Min(sx, sy)), output), output, fit),
                    _ => new FitPlan(input, output, output, FitMode.Fill),
                };
        }
    }

    /// <summary>Shrinks a box proportionally until it fits inside <paramref name="limit"/>; never grows it.</summary>
    public static PixelSize ShrinkToFit(PixelSize box, PixelSize limit)
    {
        var k = Math.Min(1, Math.Min((double)limit.Width / box.Width, (double)limit.Height / box.Height));
        return k >= 1
            ? box
            : new PixelSize(Math.Min(limit.Width, Round(box.Width * k)), Math.Min(limit.Height, Round(box.Height * k)));
    }

    /// <summary>Top-left of the <paramref name="window"/> kept from a <paramref name="scaled"/> image by cover at a gravity.</summary>
    /// <remarks><see cref="GravityKind.Smart"/> is resolved to a focal point from the pixels before this is called; here it means center.</remarks>
    public static (int X, int Y) CoverOffset(PixelSize scaled, PixelSize window, Gravity gravity)
    {
        int spareX = Math.Max(0, scaled.Width - window.Width), spareY = Math.Max(0, scaled.Height - window.Height);
        if (gravity.Kind == GravityKind.FocalPoint)
        {
            return (
                Math.Clamp((int)Math.Round((gravity.X * scaled.Width) - (window.Width / 2.0)), 0, spareX),
                Math.Clamp((int)Math.Round((gravity.Y * scaled.Height) - (window.Height / 2.0)), 0, spareY));
        }

        var fx = gravity.Kind switch
        {
            GravityKind.West or GravityKind.NorthWest or GravityKind.SouthWest => 0.0,
            GravityKind.East or GravityKind.NorthEast or GravityKind.SouthEast => 1.0,
            _ => 0.5,
        };
        var fy = gravity.Kind switch
        {
            GravityKind.North or GravityKind.NorthEast or GravityKind.NorthWest => 0.0,
            GravityKind.South or GravityKind.SouthEast or GravityKind.SouthWest => 1.0,
            _ => 0.5,
        };
        return ((int)Math.Round(fx * spareX), (int)Math.Round(fy * spareY));
    }

    /// <summary>Top-left of a contained image centred in its letterbox.</summary>
    public static (int X, int Y) ContainOffset(PixelSize scaled, PixelSize output) =>
        ((output.Width - scaled.Width) / 2, (output.Height - scaled.Height) / 2);

    private static PixelSize Scale(PixelSize size, double s) => new(Round(size.Width * s), Round(size.Height * s));

    private static PixelSize AtLeast(PixelSize size, PixelSize min) =>
        new(Math.Max(size.Width, min.Width), Math.Max(size.Height, min.Height));

    private static PixelSize AtMost(PixelSize size, PixelSize max) =>
        new(Math.Min(size.Width, max.Width), Math.Min(size.Height, max.Height));

    private static int Round(double value) => Math.Max(1, (int)Math.Min(int.MaxValue, Math.Round(value, MidpointRounding.AwayFromZero)));
}
