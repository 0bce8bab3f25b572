using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Transforms.Encoders;

/// <summary>
/// What a libvips encode holds besides the bitmap it is handed, so that it is reserved from the memory budget before
/// it starts (Skia's own encoders fit in the output-sized bitmap that <see cref="DecodeSteps.MemoryCost"/> already
/// counts). Measured as the peak resident memory over one encode with concurrency 1 and glibc tuned as
/// <see cref="NativeAllocatorTuning"/> does: AVIF at effort 2 held 16–20 bytes per pixel from 1 to 4 MP and a few MiB
/// at any size; GIF at effort 7 held 51–66 bytes per pixel from 0.06 to 0.5 MP (libimagequant keeps four floats per
/// pixel of the whole image while it builds the palette and dithers).
/// </summary>
internal static class EncoderMemory
{
    // VipsEncoder.FromSkia hands the pixels over twice: a tight RGBA array on the managed heap, then libvips' copy.
    private const long HandOverBytesPerPixel = 8;
    private const long AvifBytesPerPixel = 20;
    private const long AvifFixedBytes = 6L << 20;
    private const long GifBytesPerPixel = 64;

    // Not measured: libwebp holds the picture as ARGB and YUVA planes plus its analysis (about 10 bytes a pixel); 16.
    private const long WebpBytesPerPixel = 16;

    /// <summary>
    /// Bytes the encoder of <paramref name="format"/> works in for <paramref name="pixels"/> pixels (all frames of
    /// an animation together); zero for the formats Skia encodes (WebP without <paramref name="alpha"/>).
    /// </summary>
    public static long WorkingBytes(ImageFormat format, long pixels, bool alpha = false) => format switch
    {
        ImageFormat.Webp when alpha => pixels * (HandOverBytesPerPixel + WebpBytesPerPixel),
        ImageFormat.Avif => (pixels * (HandOverBytesPerPixel + AvifBytesPerPixel)) + AvifFixedBytes,
        ImageFormat.Gif => pixels * (HandOverBytesPerPixel + GifBytesPerPixel),
        _ => 0,
    };
}
