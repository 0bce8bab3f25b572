using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>The pixel steps that move and resample: orient, crop, rotate, flip, resize with fit.</summary>
internal static class GeometrySteps
{
    /// <summary>Applies the EXIF orientation so everything after works on the upright image.</summary>
    public static void Orient(TransformContext ctx)
    {
        if (ctx.Origin != SKEncodedOrigin.TopLeft)
        {
            Reorient(ctx, ctx.Origin);
        }
    }

    /// <summary>Cuts <c>crop</c> out, scaling its rectangle when the image was decoded smaller than full size.</summary>
    public static void Crop(TransformContext ctx)
    {
        if (ctx.Options.Crop is not { } c)
        {
            return;
        }

        var image = ctx.Image;
        double rx = (double)image.Width / ctx.Oriented.Width, ry = (double)image.Height / ctx.Oriented.Height;
        int left = (int)Math.Floor(c.X * rx), top = (int)Math.Floor(c.Y * ry);
        int right = Math.Clamp((int)Math.Ceiling((c.X + c.Width) * rx), left + 1, image.Width);
        int bottom = Math.Clamp((int)Math.Ceiling((c.Y + c.Height) * ry), top + 1, image.Height);
        var source = new SKRect(left, top, right, bottom);
        var size = new PixelSize(right - left, bottom - top);
        using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
        var coverage = ctx.Coverage.Crop(new SKRectI(left, top, right, bottom));
        ctx.Replace(Pixels.Render(size, SKColors.Transparent, canvas =>
            canvas.DrawBitmap(image, source, SKRect.Create(size.Width, size.Height), new SKSamplingOptions(SKFilterMode.Nearest), paint)));
        ctx.Coverage = coverage;
    }

    /// <summary>Turns the image clockwise by <c>rot</c>.</summary>
    public static void Rotate(TransformContext ctx)
    {
        var origin = (ctx.Options.Rotate ?? 0) switch
        {
            90 => SKEncodedOrigin.RightTop,
            180 => SKEncodedOrigin.BottomRight,
            270 => SKEncodedOrigin.LeftBottom,
            _ => SKEncodedOrigin.TopLeft,
        };
        if (origin != SKEncodedOrigin.TopLeft)
        {
            Reorient(ctx, origin);
        }
    }

    /// <summary>Mirrors the image after rotation.</summary>
    public static void Flip(TransformContext ctx)
    {
        var origin = (ctx.Options.Flip ?? FlipMode.None) switch
        {
            FlipMode.Horizontal => SKEncodedOrigin.TopRight,
            FlipMode.Vertical => SKEncodedOrigin.BottomLeft,
            FlipMode.Both => SKEncodedOrigin.BottomRight,
            _ => SKEncodedOrigin.TopLeft,
        };
        if (origin != SKEncodedOrigin.TopLeft)
        {
            Reorient(ctx, origin);
        }
    }

    /// <summary>
    /// Resamples to the planned size and places the result on the output canvas: cover draws the scaled
    /// image shifted by the gravity offset and lets the canvas clip it, contain centres it on <c>bg</c>.
    /// </summary>
    public static void Resize(TransformContext ctx)
    {
        var plan = ctx.RequiredPlan;
        var (x, y) = plan.Fit switch
        {
            FitMode.Cover => Negate(Geometry.CoverOffset(plan.Scaled, plan.Output, ctx.ResolvedGravity ?? ctx.Options.EffectiveGravity)),
            FitMode.Contain => Geometry.ContainOffset(plan.Scaled, plan.Output),
            _ => (0, 0),
        };
        if (Pixels.SizeOf(ctx.Image) == plan.Scaled && plan.Scaled == plan.Output)
        {
            return;
        }

        var reduces = ctx.Image.Width >= plan.Scaled.Width && ctx.Image.Height >= plan.Scaled.Height;
        Resampler.HalveToward(ctx, plan.Scaled, lanczosAfterBlockAverage: reduces && ctx.ShrunkOnLoad);
        if (Pixels.SizeOf(ctx.Image) != plan.Scaled && reduces)
        {
            // The last (less than 2:1) reduction is Lanczos-3; the canvas below then copies pixels 1:1 (Nearest).
            ctx.Replace(LanczosResampler.Reduce(ctx.Image, ctx.Coverage, plan.Scaled, ctx.CancellationToken));
            if (plan.Scaled == plan.Output)
            {
                return;
            }
        }

        var background = plan.Fit == FitMode.Contain ? ToSkia(ctx.Options.Background ?? RgbaColor.Transparent) : SKColors.Transparent;
        var image = ctx.Image;
        var destination = SKRect.Create(x, y, plan.Scaled.Width, plan.Scaled.Height);
        using var paint = new SKPaint { BlendMode = SKBlendMode.SrcOver };
        ctx.Replace(Pixels.Render(plan.Output, background, canvas =>
            canvas.DrawBitmap(image, destination, Resampler.Final(Pixels.SizeOf(image), plan.Scaled), paint)));
    }

    private static void Reorient(TransformContext ctx, SKEncodedOrigin origin)
    {
        var coverage = ctx.Coverage.Reorient(origin, Pixels.SizeOf(ctx.Image));
        ctx.Replace(Pixels.Reorient(ctx.Image, origin));
        ctx.Coverage = coverage;
    }

    public static SKColor ToSkia(RgbaColor color) => new(color.R, color.G, color.B, color.A);

    private static (int X, int Y) Negate((int X, int Y) offset) => (-offset.X, -offset.Y);
}
