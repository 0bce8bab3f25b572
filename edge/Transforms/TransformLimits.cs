using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>Resource ceilings for one transformation, bound from the <c>Transforms</c> section.</summary>
internal sealed class TransformLimits
{
    public const string SectionName = "Transforms";

    // 50 MB is well above any photo a site should serve through an image CDN (a 45 MP camera JPEG is
    // ~25 MB), and low enough that holding a few originals in memory at once stays cheap.
    // At most Array.MaxLength (2147483591): an original is held in one array.
    [SettingRange(1d, 2_147_483_591d, ErrorMessage = "Transforms:MaxSourceBytes must be positive, at most {2} (the largest array).")]
    public long MaxSourceBytes { get; set; } = 50 * 1024 * 1024;

    // 100 MP decodes to 400 MB of RGBA: the largest single buffer we accept. Real photos stay under
    // ~60 MP; anything declaring more is a mistake or a decompression bomb, refused before decoding.
    [SettingRange(1d, long.MaxValue, ErrorMessage = "Transforms:MaxSourcePixels must be positive.")]
    public long MaxSourcePixels { get; set; } = 100_000_000;

    // 40 MP covers the largest valid box that is plausible (8192 x 4096 at dpr 1 is 33.5 MP) while
    // refusing 8192 x 8192 requests that would cost 256 MB per response and are never a real layout.
    [SettingRange(1d, long.MaxValue, ErrorMessage = "Transforms:MaxOutputPixels must be positive.")]
    public long MaxOutputPixels { get; set; } = 40_000_000;

    // Decode JPEG and WebP directly at a reduced scale when the output is much smaller. A kill switch
    // only: turning it off costs ~3x decode time on large photos and buys nothing measurable in quality.
    public bool ShrinkOnLoad { get; set; } = true;

    // Decode JPEGs with libjpeg-turbo's SIMD build (TurboJPEG, and the DC-only progressive shim) when they are
    // installed, instead of Skia's scalar copy. A kill switch, and the "before" side of the miss benchmark.
    public bool NativeJpeg { get; set; } = true;

    // Encode WebP with the shim on the system's libwebp (edge/Native) when it is installed, instead of Skia's bundled
    // libwebp and libvips: sharp's configuration, for less CPU. A kill switch, like NativeJpeg.
    public bool NativeWebp { get; set; } = true;

    // Frames of an animation kept animated (413 beyond; anim:0 still serves the first frame). Each frame is decoded
    // and transformed like a still, so this bounds the work a small file can ask for: a GIF spends ~15 bytes a frame.
    // 500 frames is 20 s at 25 fps, past what animated stickers and GIF clips use; longer belongs in a video.
    [SettingRange(1, int.MaxValue, ErrorMessage = "Transforms:MaxAnimationFrames must be positive.")]
    public int MaxAnimationFrames { get; set; } = 500;
}

/// <summary>Refuses limits that are zero or negative, naming every bad key at once (source-generated from the attributes).</summary>
[OptionsValidator]
internal sealed partial class TransformLimitsValidator : IValidateOptions<TransformLimits>;
