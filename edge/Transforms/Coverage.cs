using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Where the source's edges fall in the current bitmap, in its pixels, when that is not simply the whole bitmap. A
/// scaled decode rounds up: a 2988-row JPEG at 1/8 is 374 rows whose last one holds only half a block (373.5 rows of
/// picture), and a PNG read in f×f strips ends in a partial strip the same way. A reduction that maps the output onto
/// all 374 rows stretches the picture by that half row, up to half an output pixel off at the far edge, which
/// measured 6 dB of PSNR on the 12 MP photo against a Lanczos reduction of the full-size original. The resampler maps
/// the output onto this area instead. Orientation, flips and rotation move it with the pixels, as a crop cuts it.
/// </summary>
internal readonly record struct Coverage(double X, double Y, double Width, double Height)
{
    public static Coverage Whole(PixelSize size) => new(0, 0, size.Width, size.Height);

    /// <summary>The area after the pixels of a <paramref name="stored"/>-sized bitmap are turned or mirrored by <paramref name="origin"/>.</summary>
    public Coverage Reorient(SKEncodedOrigin origin, PixelSize stored)
    {
        var mapped = Pixels.OrientationMatrix(origin, stored).MapRect(SKRect.Create((float)X, (float)Y, (float)Width, (float)Height));
        return new Coverage(mapped.Left, mapped.Top, mapped.Width, mapped.Height);
    }

    /// <summary>The part of this area inside <paramref name="cut"/> (whole pixels), in the cut-out's coordinates.</summary>
    public Coverage Crop(SKRectI cut)
    {
        double left = Math.Max(X, cut.Left), top = Math.Max(Y, cut.Top);
        double right = Math.Min(X + Width, cut.Right), bottom = Math.Min(Y + Height, cut.Bottom);
        return new Coverage(left - cut.Left, top - cut.Top, Math.Max(right - left, 1), Math.Max(bottom - top, 1));
    }

    /// <summary>The area after halving each axis that <paramref name="halveX"/> and <paramref name="halveY"/> say.</summary>
    public Coverage Halve(bool halveX, bool halveY) =>
        new(halveX ? X / 2 : X, halveY ? Y / 2 : Y, halveX ? Width / 2 : Width, halveY ? Height / 2 : Height);
}
