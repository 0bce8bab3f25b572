using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Sdk.Urls;
using NetVips;

namespace EdgeImages.Edge.Transforms.Animation;

/// <summary>
/// Writes the kept animation as animated WebP or GIF, which Skia cannot encode, with libvips: the frames go in as
/// one tall image of unpremultiplied sRGB RGBA (<see cref="AnimatedFrames"/>), with its <c>page-height</c>, the
/// frames' <c>delay</c> in milliseconds and the <c>loop</c> count. libvips decides each output frame's disposal and
/// sub-rectangle itself; the frames it gets are whole, already composited, so any choice shows the same pictures.
/// No metadata is written, as for stills.
/// </summary>
internal static class AnimationEncoder
{
    // As the still encoders: GIF palette effort 7 of 1..10 with light dithering; WebP at libvips' default effort 4 of
    // 0..6, the middle ground libwebp itself defaults to for animations encoded on the fly.
    private const int GifEffort = 7;
    private const double GifDither = 1.0;
    private const int WebpEffort = 4;

    public static byte[] Encode(AnimatedFrames frames, ImageFormat format, int quality)
    {
        ArgumentNullException.ThrowIfNull(frames);
        VipsRuntime.EnsureConfigured();
        var (width, height) = (frames.FrameSize.Width, frames.FrameSize.Height);

        // The buffer is pinned by NetVips for the image's lifetime; no copy of every frame is made here.
        using var rgba = Image.NewFromMemory(frames.Buffer, width, height * frames.Count, 4, Enums.BandFormat.Uchar);
        using var bands = frames.HasTransparency ? rgba.Copy() : rgba.ExtractBand(0, 3);
        using var image = bands.Copy(interpretation: Enums.Interpretation.Srgb).Mutate(m =>
        {
            m.Set(GValue.GIntType, "page-height", height);
            m.Set(GValue.ArrayIntType, "delay", frames.Delays.Take(frames.Count).ToArray());
            m.Set(GValue.GIntType, "loop", VipsLoop(frames.Repetitions));
        });

        return format switch
        {
            ImageFormat.Webp => image.WebpsaveBuffer(q: quality, effort: WebpEffort, keep: Enums.ForeignKeep.None),
            ImageFormat.Gif => image.GifsaveBuffer(dither: GifDither, effort: GifEffort, bitdepth: 8, keep: Enums.ForeignKeep.None),
            _ => throw new InvalidOperationException($"{format} cannot carry an animation."),
        };
    }

    /// <summary>
    /// Skia counts repetitions after the first play (-1 for ever); libvips' <c>loop</c> counts plays (0 for ever).
    /// </summary>
    internal static int VipsLoop(int repetitions) => repetitions < 0 ? 0 : repetitions + 1;
}
