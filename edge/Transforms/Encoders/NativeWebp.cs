using System.Runtime.InteropServices;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Encoders;

/// <summary>
/// The lossy WebP encoder of the edge's shim (<c>edge/Native/edgeimages_webp.c</c>, built by <c>test.sh</c> against
/// Debian's <c>libwebp7</c>), when it is installed: libwebp with its SIMD code, at libwebp's defaults as sharp runs
/// them, opaque pictures with trellis quantisation (method 5: fewer bytes than Skia's method 3 at nearly its PSNR).
/// Without it Skia and libvips encode as before. Loaded as <see cref="Jpeg.NativeJpeg"/> loads its libraries: by
/// <see cref="NativeLibrary.TryLoad(string, out nint)"/> and function pointers, so a missing library is only a null
/// pointer and tests can load from any folder. libwebp returns its errors; nothing jumps across managed frames.
/// </summary>
internal sealed unsafe class NativeWebp
{
    public const string ShimLibrary = "libedgeimages_webp.so";

    // Opaque: method 5, which adds trellis quantisation to method 4 (sharp's effort). On the edge's w:400 pixels of the
    // photo set it writes 1.5-4 % fewer bytes than method 3 (Skia's, and this shim's before) for 0.05-0.25 dB less,
    // which at equal bytes is 0.0-0.07 dB better (method 3 at q79/q78 against method 5 at q80): an encoder that spends
    // its bits better, for about 1.5 ms more a 400x300 picture (13.1 against 11.5). Methods 3 and 4 wrote as much as
    // sharp's output or a few bytes more from the edge's sharper resize (loadtests/README.md, misses). With alpha:
    // method 4, as libvips wrote it before, because libwebp ties the lossless alpha plane's effort to the method: on
    // the RGBA benchmark photo's soft mask method 3 writes 4 % more (34,098 bytes against 32,694, more than sharp's
    // 33,774) and method 5 0.4 % more (32,836).
    private const int OpaqueMethod = 5;
    private const int AlphaMethod = 4;

    private static readonly Lazy<NativeWebp> Shared = new(() => Load(AppContext.BaseDirectory));

    private readonly delegate* unmanaged<byte*, int, int, int, int, int, byte**, nuint*, int> encode;
    private readonly delegate* unmanaged<byte*, void> freeBuffer;

    private NativeWebp(nint shim)
    {
        if (shim != 0 && NativeLibrary.TryGetExport(shim, "eiw_encode_webp", out var write) && NativeLibrary.TryGetExport(shim, "eiw_free", out var release))
        {
            encode = (delegate* unmanaged<byte*, int, int, int, int, int, byte**, nuint*, int>)write;
            freeBuffer = (delegate* unmanaged<byte*, void>)release;
        }
    }

    /// <summary>The encoder of this process, loaded once from beside the edge's assembly.</summary>
    public static NativeWebp Default => Shared.Value;

    /// <summary>No native encoder: Skia writes every WebP (the kill switch, and tests of the fallback).</summary>
    public static NativeWebp None { get; } = new(0);

    /// <summary>The shim and the libwebp it links against are loaded.</summary>
    public bool IsLoaded => encode != null;

    /// <summary>Loads the shim from <paramref name="shimFolder"/> (libwebp from the system's library path); missing stays off.</summary>
    public static NativeWebp Load(string shimFolder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return None;
        }

        NativeLibrary.TryLoad(Path.Combine(shimFolder, ShimLibrary), out var shim);
        return new NativeWebp(shim);
    }

    /// <summary>
    /// Encodes <paramref name="bitmap"/> as lossy WebP at <paramref name="quality"/> with libwebp's defaults, as sharp
    /// does (alpha lossless at quality 100, no sharp YUV), at method 5 when opaque and 4 when <paramref name="alpha"/>
    /// says some pixel is not. Null when the shim is missing or libwebp failed: the caller encodes as it did without
    /// the shim.
    /// </summary>
    public byte[]? TryEncode(SKBitmap bitmap, int quality, bool alpha)
    {
        if (!IsLoaded)
        {
            return null;
        }

        // Opaque RGBA is the same premultiplied or not, and goes as it is; anything else is converted by Skia to the
        // unpremultiplied RGBA libwebp reads (as VipsEncoder hands pixels to libvips).
        if (!alpha && bitmap.ColorType == SKColorType.Rgba8888)
        {
            return TryEncode(bitmap.GetPixelSpan(), bitmap.Width, bitmap.Height, bitmap.RowBytes, quality, OpaqueMethod);
        }

        var info = new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var unpremultiplied = new SKBitmap(info);
        using var source = bitmap.PeekPixels();
        using var target = unpremultiplied.PeekPixels();
        return source.ReadPixels(target)
            ? TryEncode(unpremultiplied.GetPixelSpan(), info.Width, info.Height, unpremultiplied.RowBytes, quality, alpha ? AlphaMethod : OpaqueMethod)
            : null;
    }

    /// <summary>
    /// Encodes unpremultiplied RGBA <paramref name="rgba"/> (<paramref name="stride"/> bytes a row) as lossy WebP at
    /// <paramref name="quality"/> (0..100) and libwebp <paramref name="method"/> (0..6), alpha at quality 100 when
    /// some pixel is not opaque. Null when the shim is missing or libwebp reports an error (a size past 16383, no memory).
    /// </summary>
    public byte[]? TryEncode(ReadOnlySpan<byte> rgba, int width, int height, int stride, int quality, int method)
    {
        if (!IsLoaded || width <= 0 || height <= 0 || rgba.Length < (long)stride * height)
        {
            return null;
        }

        byte* output = null;
        nuint length = 0;
        fixed (byte* pixels = rgba)
        {
            if (encode(pixels, width, height, stride, quality, method, &output, &length) != 0 || output == null)
            {
                return null;
            }
        }

        try
        {
            return new ReadOnlySpan<byte>(output, checked((int)length)).ToArray();
        }
        finally
        {
            freeBuffer(output);
        }
    }
}
