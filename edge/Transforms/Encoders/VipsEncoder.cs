using System.Runtime.InteropServices;
using NetVips;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Encoders;

/// <summary>
/// The formats Skia cannot write (AVIF, GIF), and WebP with alpha, which it writes larger (see <see cref="WebpAlphaEffort"/>), written by libvips from Skia's final pixels: Skia decodes and
/// transforms, libvips only encodes. The pixels are handed over as tight, unpremultiplied 8-bit sRGB RGB(A), with no
/// metadata and no ICC profile, so the output is as bare as Skia's own encoders make theirs.
/// </summary>
internal static class VipsEncoder
{
    // Effort 2 of 0..9 (libaom cpu-used 7): the slowest settings buy a few per cent of bytes for several times the
    // CPU, and here the encode is on the request path. 4:2:0 as JPEG and WebP do: photos lose nothing visible, and
    // 4:4:4 costs bytes and time. 8 bits: every browser that decodes AVIF decodes that.
    private const int AvifEffort = 2;

    // GIF: palette search effort 7 of 1..10 (libvips' default) with light dithering.
    private const int GifEffort = 7;
    private const double GifDither = 1.0;

    /// <summary>AVIF (AV1 in HEIF) at libheif quality <paramref name="avifQuality"/> (0..100, see <see cref="AvifQuality"/>).</summary>
    public static byte[] EncodeAvif(SKBitmap bitmap, int avifQuality)
    {
        using var image = FromSkia(bitmap);
        return image.HeifsaveBuffer(
            q: avifQuality,
            bitdepth: 8,
            lossless: false,
            compression: Enums.ForeignHeifCompression.Av1,
            effort: AvifEffort,
            subsampleMode: Enums.ForeignSubsample.On,
            keep: Enums.ForeignKeep.None);
    }

    // WebP with alpha: sharp's defaults (effort 4, alpha at quality 100, plain chroma subsampling). Skia's encoder runs
    // libwebp at method 3: measured on a 400x400 RGBA photo at q:80, 34,102 bytes against 32,678 at effort 4 for the
    // same PSNR (39.5 dB), for about 25 ms more. Opaque photos gain nothing from effort 4 (23,514 -> 23,506 bytes).
    private const int WebpAlphaEffort = 4;

    /// <summary>Lossy WebP at <paramref name="quality"/> of a bitmap with transparent pixels.</summary>
    public static byte[] EncodeWebpWithAlpha(SKBitmap bitmap, int quality)
    {
        using var image = FromSkia(bitmap);
        return image.WebpsaveBuffer(q: quality, effort: WebpAlphaEffort, alphaQ: 100, smartSubsample: false, keep: Enums.ForeignKeep.None);
    }

    /// <summary>GIF: one frame, 256 colours, transparency where a pixel's alpha is below half.</summary>
    public static byte[] EncodeGif(SKBitmap bitmap)
    {
        using var image = FromSkia(bitmap);
        return image.GifsaveBuffer(dither: GifDither, effort: GifEffort, bitdepth: 8, keep: Enums.ForeignKeep.None);
    }

    /// <summary>
    /// Copies the bitmap into a libvips image: unpremultiplied RGBA in tight rows, then the alpha band dropped when
    /// every pixel is opaque (an alpha plane costs AVIF bytes and time for nothing).
    /// </summary>
    internal static Image FromSkia(SKBitmap bitmap)
    {
        VipsRuntime.EnsureConfigured();
        var info = new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            using var source = bitmap.PeekPixels();
            if (!source.ReadPixels(info, handle.AddrOfPinnedObject(), info.RowBytes))
            {
                throw new InvalidOperationException($"Skia could not convert a {bitmap.Width}x{bitmap.Height} image to RGBA.");
            }
        }
        finally
        {
            handle.Free();
        }

        using var rgba = Image.NewFromMemoryCopy<byte>(pixels, bitmap.Width, bitmap.Height, 4, Enums.BandFormat.Uchar);
        using var opaque = Pixels.HasTransparency(bitmap) ? null : rgba.ExtractBand(0, 3);
        return (opaque ?? rgba).Copy(interpretation: Enums.Interpretation.Srgb);
    }
}
