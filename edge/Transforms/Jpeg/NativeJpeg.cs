using System.Runtime.InteropServices;

namespace EdgeImages.Edge.Transforms.Jpeg;

/// <summary>
/// The native JPEG code the edge uses when it is installed, each part optional:
/// <list type="bullet">
/// <item>TurboJPEG (Debian's <c>libturbojpeg0</c>, libjpeg-turbo with its SIMD IDCT, upsampling and colour
/// conversion): any JPEG at a scale of n/8. Skia's own copy of libjpeg-turbo is built without SIMD, and measured
/// here it takes 28 ms for a 12 MP baseline photo at 1/8 against TurboJPEG's 20 ms, 122 ms against 42 ms at full
/// size. TurboJPEG returns errors instead of calling <c>longjmp</c>, so no native jump crosses a managed frame.</item>
/// <item>The edge's own shim (<c>edge/Native/edgeimages_jpeg.c</c>, built by <c>test.sh</c> against Debian's
/// <c>libjpeg62-turbo</c>): a progressive JPEG at 1/8 from its DC scans only (libjpeg's buffered-image mode), and the
/// JPEG encoder (SIMD, optimised Huffman tables, progressive), which Skia's has neither of. Its
/// <c>setjmp</c>/<c>longjmp</c> stay inside C.</item>
/// </list>
/// Libraries are looked up with <see cref="NativeLibrary.TryLoad(string, out nint)"/> and their entry points taken as
/// function pointers rather than through <c>[LibraryImport]</c>: an import resolver is one per assembly and process,
/// while this way a missing library is just a null pointer this instance reports, and tests can load from any folder.
/// Either decoder answering anything but success sends the caller back to Skia, which then decodes exactly as before.
/// </summary>
internal sealed unsafe class NativeJpeg
{
    public const string TurboJpegLibrary = "libturbojpeg.so.0";
    public const string ShimLibrary = "libedgeimages_jpeg.so";

    private const int PixelFormatRgba = 7; // TJPF_RGBA: the fourth byte is 0xFF
    private const int StopOnWarning = 8192; // TJFLAG_STOPONWARNING: corrupt data ends the decode, then Skia decides
    private const int LimitScans = 32768; // TJFLAG_LIMITSCANS: more than 500 progressive scans is an error

    private static readonly Lazy<NativeJpeg> Shared = new(() => Load(AppContext.BaseDirectory));

    private readonly delegate* unmanaged<nint> initDecompress;
    private readonly delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int> decompress;
    private readonly delegate* unmanaged<nint, int> destroy;
    private readonly delegate* unmanaged<byte*, nuint, byte*, int, int, int, int> decodeDc;
    private readonly delegate* unmanaged<byte*, int, int, int, int, int, byte**, nuint*, int> encode;
    private readonly delegate* unmanaged<byte*, void> freeBuffer;

    private NativeJpeg(nint turbo, nint shim)
    {
        if (turbo != 0
            && NativeLibrary.TryGetExport(turbo, "tjInitDecompress", out var init)
            && NativeLibrary.TryGetExport(turbo, "tjDecompress2", out var decode)
            && NativeLibrary.TryGetExport(turbo, "tjDestroy", out var free))
        {
            initDecompress = (delegate* unmanaged<nint>)init;
            decompress = (delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int>)decode;
            destroy = (delegate* unmanaged<nint, int>)free;
        }

        if (shim != 0 && NativeLibrary.TryGetExport(shim, "eij_decode_dc", out var dc))
        {
            decodeDc = (delegate* unmanaged<byte*, nuint, byte*, int, int, int, int>)dc;
        }

        if (shim != 0 && NativeLibrary.TryGetExport(shim, "eij_encode_jpeg", out var write) && NativeLibrary.TryGetExport(shim, "eij_free", out var release))
        {
            encode = (delegate* unmanaged<byte*, int, int, int, int, int, byte**, nuint*, int>)write;
            freeBuffer = (delegate* unmanaged<byte*, void>)release;
        }
    }

    /// <summary>The decoders of this process, loaded once: the shim from beside the edge's assembly.</summary>
    public static NativeJpeg Default => Shared.Value;

    /// <summary>Neither decoder: everything goes to Skia (the kill switch, and tests of the fallback).</summary>
    public static NativeJpeg None { get; } = new(0, 0);

    /// <summary>TurboJPEG is loaded.</summary>
    public bool HasTurboJpeg => decompress != null;

    /// <summary>The DC-only progressive decoder is loaded.</summary>
    public bool HasDcOnly => decodeDc != null;

    /// <summary>The shim's JPEG encoder is loaded.</summary>
    public bool HasEncoder => encode != null;

    /// <summary>Loads TurboJPEG from the system's library path and the shim from <paramref name="shimFolder"/>; what is missing stays off.</summary>
    public static NativeJpeg Load(string shimFolder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return None;
        }

        NativeLibrary.TryLoad(TurboJpegLibrary, out var turbo);
        NativeLibrary.TryLoad(Path.Combine(shimFolder, ShimLibrary), out var shim);
        return new NativeJpeg(turbo, shim);
    }

    /// <summary>
    /// Decodes <paramref name="jpeg"/> with TurboJPEG into <paramref name="rgba"/> at the n/8 scale whose size is
    /// <paramref name="width"/> x <paramref name="height"/> (libjpeg rounds scaled sizes up, as Skia's codec reports
    /// them). False on any error or warning: the caller decodes with Skia instead.
    /// </summary>
    public bool TryDecode(ReadOnlySpan<byte> jpeg, Span<byte> rgba, int width, int height, int stride)
    {
        if (!HasTurboJpeg || rgba.Length < (long)stride * height)
        {
            return false;
        }

        var handle = initDecompress();
        if (handle == 0)
        {
            return false;
        }

        try
        {
            fixed (byte* source = jpeg)
            fixed (byte* destination = rgba)
            {
                // TurboJPEG picks the largest scaling factor whose size fits in width x height: exactly ours.
                return decompress(handle, source, (nuint)jpeg.Length, destination, width, stride, height, PixelFormatRgba, StopOnWarning | LimitScans) == 0;
            }
        }
        finally
        {
            _ = destroy(handle);
        }
    }

    /// <summary>
    /// Encodes opaque RGBA <paramref name="rgba"/> (<paramref name="stride"/> bytes a row) as JPEG at
    /// <paramref name="quality"/>, 4:2:0, optimised Huffman tables, progressive when <paramref name="progressive"/>:
    /// what sharp writes by default and ipx asks it for. Null when the shim is missing or reports an error.
    /// </summary>
    public byte[]? TryEncode(ReadOnlySpan<byte> rgba, int width, int height, int stride, int quality, bool progressive)
    {
        if (!HasEncoder || width <= 0 || height <= 0 || rgba.Length < (long)stride * height)
        {
            return null;
        }

        byte* output = null;
        nuint length = 0;
        fixed (byte* pixels = rgba)
        {
            if (encode(pixels, width, height, stride, quality, progressive ? 1 : 0, &output, &length) != 0 || output == null)
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

    /// <summary>
    /// Decodes a progressive <paramref name="jpeg"/> at 1/8 from its DC scans into <paramref name="rgba"/>, which is
    /// <paramref name="width"/> x <paramref name="height"/> (the 1/8 size). False when the shim is missing, the file
    /// is not progressive, or anything was wrong with it.
    /// </summary>
    public bool TryDecodeDcOnly(ReadOnlySpan<byte> jpeg, Span<byte> rgba, int width, int height, int stride)
    {
        if (!HasDcOnly || rgba.Length < (long)stride * height)
        {
            return false;
        }

        fixed (byte* source = jpeg)
        fixed (byte* destination = rgba)
        {
            return decodeDc(source, (nuint)jpeg.Length, destination, width, height, stride) == 0;
        }
    }
}
