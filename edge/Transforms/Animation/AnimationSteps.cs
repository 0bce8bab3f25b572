using EdgeImages.Edge.Http;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Animation;

/// <summary>
/// Keeps an animated GIF or WebP animated. The still pipeline runs as it is on the first frame; these steps decide
/// from the headers whether the animation is kept and what it may cost (<see cref="Admit"/>), then put every other
/// frame through the same geometry and filter steps (<see cref="EveryFrame"/>). Without <c>anim:0</c> and for an
/// output that can animate (<c>webp</c>, <c>gif</c>, <c>auto</c>) the animation is kept; otherwise the first frame
/// is the image, as before.
/// </summary>
internal static class AnimationSteps
{
    /// <summary>
    /// From the headers, before any pixel is decoded: whether the animation is kept, then its limits. More frames
    /// than <see cref="TransformLimits.MaxAnimationFrames"/>, or more pixels over all frames than
    /// <see cref="TransformLimits.MaxSourcePixels"/> (the decoding work), is a 413; so is needing more memory than
    /// the whole budget (<see cref="MemoryCost"/>), and a budget that cannot spare it now sheds with 503.
    /// </summary>
    public static void Admit(TransformContext ctx)
    {
        var codec = ctx.RequiredCodec;
        if (!Keeps(ctx.Options, codec))
        {
            return;
        }

        var frames = codec.FrameCount;
        if (frames > ctx.Limits.MaxAnimationFrames)
        {
            throw EdgeProblemException.TooLarge(
                $"The animation has {frames} frames, more than the {ctx.Limits.MaxAnimationFrames} allowed; anim:0 takes its first frame.");
        }

        var screen = new PixelSize(codec.Info.Width, codec.Info.Height);
        var total = screen.Area * frames;
        if (total > ctx.Limits.MaxSourcePixels)
        {
            throw EdgeProblemException.TooLarge(
                $"The animation's frames hold {total} pixels in all, more than the {ctx.Limits.MaxSourcePixels} allowed; anim:0 takes its first frame.");
        }

        var output = ctx.RequiredPlan.Output;
        var cost = MemoryCost(screen, output, frames);
        if (AnimatedFrames.FrameBytes(output) * frames > Array.MaxLength)
        {
            throw EdgeProblemException.TooLarge($"The animation would be {output} pixels times {frames} frames, more than the edge holds.");
        }

        ctx.Memory?.Require(ctx.Source.Length + cost);
        var infos = codec.FrameInfo;
        ctx.Animation = new AnimatedFrames(output, [.. infos.Select(f => f.Duration)], codec.RepetitionCount);
    }

    /// <summary>Whether <paramref name="options"/> keep the animation of the source <paramref name="codec"/> reads.</summary>
    public static bool Keeps(TransformOptions options, SKCodec codec)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(codec);
        return options.EffectiveAnimate
            && options.EffectiveFormat is ImageFormat.Auto or ImageFormat.Webp or ImageFormat.Gif
            && codec.EncodedFormat is SKEncodedImageFormat.Gif or SKEncodedImageFormat.Webp
            && codec.FrameCount > 1;
    }

    /// <summary>
    /// What keeping an animation holds at its peak, besides the encoded source: the canvas and a saved copy of the
    /// screen's size (<see cref="FrameDecoder"/>); the frame handed to the steps and the one successor each step draws
    /// before the last goes; two bitmaps of the output size (the resize canvas, then the filter's); every transformed
    /// frame (<see cref="AnimatedFrames"/>); and as much again for libvips' encoder, which quantises (GIF) or encodes
    /// (WebP) frame by frame but keeps what it has written and the frame it compares against: a generous bound.
    /// </summary>
    internal static long MemoryCost(PixelSize screen, PixelSize output, int frames)
    {
        var screenBytes = screen.Area * 4;
        var outputBytes = AnimatedFrames.FrameBytes(output);
        return (4 * screenBytes) + (2 * outputBytes) + (2 * outputBytes * frames);
    }

    /// <summary>
    /// The frame loop, run after the still steps have made the first frame: decodes each further frame composited as
    /// a player shows it, runs <paramref name="frameSteps"/> on it exactly as on a still (the same crop, rotation,
    /// flip, resize, gravity and filters), and gathers the results. The deadline is checked between frames. A source
    /// cut short ends the animation at the last whole frame.
    /// </summary>
    public static Action<TransformContext> EveryFrame(IReadOnlyList<Action<TransformContext>> frameSteps) => ctx =>
    {
        if (ctx.Animation is not { } frames)
        {
            return;
        }

        frames.Add(ctx.Image);
        var codec = ctx.RequiredCodec;
        var infos = codec.FrameInfo;
        var plan = FramePlanner.Plan([.. infos.Select(f => (f.RequiredFrame, f.DisposalMethod))]);
        using var decoder = new FrameDecoder(codec, plan);

        // Frame 0 is decoded again onto the decoder's canvas: the still steps consumed their copy, and later frames
        // build on it. One frame's decode is cheaper than keeping a second copy of the screen around.
        if (!decoder.TryDecode(0, out _))
        {
            return;
        }

        for (var i = 1; i < infos.Length; i++)
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            if (!decoder.TryDecode(i, out var canvas))
            {
                return;
            }

            // The steps replace (and dispose) the image they are given; the canvas stays the decoder's.
            ctx.Replace(canvas.Copy() ?? throw EdgeProblemException.TooLarge("There is not enough memory for a frame of the animation."));
            foreach (var step in frameSteps)
            {
                ctx.CancellationToken.ThrowIfCancellationRequested();
                step(ctx);
            }

            frames.Add(ctx.Image);
        }
    };

    /// <summary><c>f:auto</c> for a kept animation: animated WebP when <c>Accept</c> names it, else GIF (the spec's rule).</summary>
    public static ImageFormat ChooseFormat(TransformContext ctx) =>
        ctx.Accepted.Webp && OutputLimits.Holds(ImageFormat.Webp, ctx.RequiredPlan.Output) ? ImageFormat.Webp : ImageFormat.Gif;
}
