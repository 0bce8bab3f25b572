using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>Blur and sharpen, both on the output-sized image so that sigma is in output pixels.</summary>
internal static class FilterSteps
{
    // Unsharp-mask strength: original + Amount * (original - blurred). The URL only carries sigma; 1.0 is
    // the classic "100%" mask, visible at small sigmas without haloing at the larger ones the contract allows.
    private const float SharpenAmount = 1f;

    /// <summary>Gaussian blur; edges clamp so the border does not darken into transparency.</summary>
    public static void Blur(TransformContext ctx)
    {
        if (ctx.Options.Blur is not { } sigma)
        {
            return;
        }

        using var blur = SKImageFilter.CreateBlur((float)sigma, (float)sigma, SKShaderTileMode.Clamp);
        ctx.Replace(Apply(ctx.Image, blur));
    }

    /// <summary>Unsharp mask: (1 + a) * original - a * blurred, one arithmetic filter over a blur.</summary>
    public static void Sharpen(TransformContext ctx)
    {
        if (ctx.Options.Sharpen is not { } sigma)
        {
            return;
        }

        using var blurred = SKImageFilter.CreateBlur((float)sigma, (float)sigma, SKShaderTileMode.Clamp);
        using var mask = SKImageFilter.CreateArithmetic(0, 1 + SharpenAmount, -SharpenAmount, 0, true, blurred, null);
        ctx.Replace(Apply(ctx.Image, mask));
    }

    private static SKBitmap Apply(SKBitmap image, SKImageFilter filter)
    {
        using var paint = new SKPaint { BlendMode = SKBlendMode.Src, ImageFilter = filter };
        return Pixels.Render(Pixels.SizeOf(image), SKColors.Transparent, canvas =>
            canvas.DrawBitmap(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint));
    }
}
