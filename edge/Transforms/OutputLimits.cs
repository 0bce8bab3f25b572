using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms.Animation;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// The largest side each output format's encoder writes. An output planned past it is the URL's doing (a panorama at
/// <c>h:2100,up:1</c> is 16800 px wide), so it is refused as a 400 when the geometry is planned, from the header alone,
/// instead of failing in the encoder after the decode and resize were paid for.
/// </summary>
internal static class OutputLimits
{
    /// <summary>libjpeg(-turbo)'s JPEG_MAX_DIMENSION; the format's 16-bit fields would allow 65535.</summary>
    public const int Jpeg = 65500;

    /// <summary>The WebP bitstream stores each side minus one in 14 bits.</summary>
    public const int Webp = 16383;

    /// <summary>GIF's logical screen stores each side in 16 bits.</summary>
    public const int Gif = 65535;

    /// <summary>libpng's default user limit (PNG_USER_WIDTH_MAX/HEIGHT_MAX) when writing; the format allows 2^31-1.</summary>
    public const int Png = 1_000_000;

    /// <summary>
    /// What libvips' heifsave (libheif with libaom, as NetVips.Native 8.18 ships them) writes, measured: 16384 encodes,
    /// 16385 fails on either side, although AV1 itself codes sides up to 65536.
    /// </summary>
    public const int Avif = 16384;

    public static int MaxSide(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => Jpeg,
        ImageFormat.Webp => Webp,
        ImageFormat.Gif => Gif,
        ImageFormat.Png => Png,
        ImageFormat.Avif => Avif,
        _ => int.MaxValue,
    };

    public static bool Holds(ImageFormat format, PixelSize size) => Math.Max(size.Width, size.Height) <= MaxSide(format);

    /// <summary>
    /// Refuses (400) an output that the format asked for cannot hold. <c>f:auto</c> is refused only when none of the
    /// formats it may pick can hold it: it skips one too small (<see cref="OutputSteps.ChooseFormat"/>), so a panorama
    /// 16800 px wide asked of a WebP-capable browser comes as JPEG (or PNG past JPEG's limit), the next format in auto's
    /// order of preference, rather than failing. Runs when the output size is planned, before anything is decoded.
    /// </summary>
    public static void Check(TransformContext ctx, PixelSize output)
    {
        var format = ctx.Options.EffectiveFormat;
        if (format == ImageFormat.Json)
        {
            // The answer is JSON; its placeholder is at most a few dozen pixels.
            return;
        }

        ImageFormat[] candidates = format != ImageFormat.Auto ? [format]
            : ctx.Codec is { } codec && AnimationSteps.Keeps(ctx.Options, codec) ? [ImageFormat.Webp, ImageFormat.Gif]
            : [ImageFormat.Avif, ImageFormat.Webp, ImageFormat.Jpeg, ImageFormat.Png];
        if (candidates.Any(f => Holds(f, output)))
        {
            return;
        }

        var widest = candidates.Max(MaxSide);
        var what = format == ImageFormat.Auto ? "any format the edge can choose" : format.ToString().ToUpperInvariant();
        throw EdgeProblemException.BadRequest(
            $"The output would be {output} pixels, more than the {widest} pixels on a side that {what} holds.");
    }
}
