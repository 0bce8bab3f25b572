using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms.Animation;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Edge.Transforms.Jpeg;
using EdgeImages.Edge.Transforms.Metadata;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Runs the transformation pipeline: a fixed list of small steps over one <see cref="TransformContext"/>,
/// with the deadline checked between steps. Synchronous CPU work; the caller runs it on a bounded worker. <c>f:json</c>
/// runs its own list, which shares the decode and geometry steps and ends in the metadata answer.
/// </summary>
internal sealed class ImageTransformer(IOptions<TransformLimits> limits, TimeProvider time, NativeJpeg? jpeg = null, NativeWebp? webp = null)
{
    // Without a registered instance (benchmarks, tests that construct the transformer) the process's own libraries.
    private readonly NativeJpeg jpeg = limits.Value.NativeJpeg ? jpeg ?? NativeJpeg.Default : NativeJpeg.None;
    private readonly NativeWebp webp = limits.Value.NativeWebp ? webp ?? NativeWebp.Default : NativeWebp.None;

    private static readonly Action<TransformContext>[] DecodePhase =
    [
        DecodeSteps.Probe,
        DecodeSteps.Plan,
        AnimationSteps.Admit,
        DecodeSteps.Decode,
    ];

    // What is done to the pixels of a still, and to every frame of a kept animation alike.
    private static readonly Action<TransformContext>[] FrameSteps =
    [
        GeometrySteps.Orient,
        GeometrySteps.Crop,
        GeometrySteps.Rotate,
        GeometrySteps.Flip,
        SmartGravity.Resolve,
        GeometrySteps.Resize,
        FilterSteps.Blur,
        FilterSteps.Sharpen,
        WatermarkStep.Apply,
    ];

    private static readonly Action<TransformContext>[] TransformPhase =
    [
        .. FrameSteps,
        AnimationSteps.EveryFrame(FrameSteps),
        OutputSteps.ChooseFormat,
        OutputSteps.Flatten,
    ];

    private static readonly Action<TransformContext>[] EncodePhase =
    [
        OutputSteps.Encode,
    ];

    // f:json: the image's plan, then the same steps at placeholder size; filters and format do not apply to it.
    private static readonly Action<TransformContext>[] InfoDecodePhase =
    [
        DecodeSteps.Probe,
        DecodeSteps.Plan,
        InfoSteps.PlanPlaceholder,
        DecodeSteps.Decode,
        InfoSteps.MeasureSource,
    ];

    private static readonly Action<TransformContext>[] InfoTransformPhase =
    [
        GeometrySteps.Orient,
        GeometrySteps.Crop,
        GeometrySteps.Rotate,
        GeometrySteps.Flip,
        SmartGravity.Resolve,
        GeometrySteps.Resize,
    ];

    private static readonly Action<TransformContext>[] InfoEncodePhase =
    [
        InfoSteps.EncodePlaceholder,
        InfoSteps.WriteJson,
    ];

    /// <summary>
    /// Transforms <paramref name="source"/>. Failures the client or origin caused are <see cref="EdgeProblemException"/>
    /// (400 bad crop or output too large, 413 source too big, 415 undecodable); a fired token is
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public TransformedImage Transform(ReadOnlyMemory<byte> source, TransformOptions options, AcceptedFormats accepted, CancellationToken cancellationToken) =>
        Transform(source, options, accepted, memory: null, cancellationToken);

    /// <summary>
    /// As above, growing <paramref name="memory"/> to what the decode will hold before it allocates:
    /// 413 when that is more than the whole budget, 503 when the budget cannot spare it now; with the tenant's
    /// <paramref name="watermark"/> laid over the result when one applies.
    /// </summary>
    public TransformedImage Transform(
        ReadOnlyMemory<byte> source, TransformOptions options, AcceptedFormats accepted, MemoryReservation? memory, CancellationToken cancellationToken,
        WatermarkOverlay? watermark = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var ctx = new TransformContext(source, options, accepted, limits.Value, cancellationToken) { Memory = memory, Jpeg = jpeg, Webp = webp, Watermark = watermark };
        var info = options.EffectiveFormat == ImageFormat.Json;
        var decode = Run(ctx, info ? InfoDecodePhase : DecodePhase);
        var transform = Run(ctx, info ? InfoTransformPhase : TransformPhase);
        var encode = Run(ctx, info ? InfoEncodePhase : EncodePhase);
        return new TransformedImage(
            ctx.Encoded!, ctx.Format, ctx.Image.Width, ctx.Image.Height, new TransformTimings(decode, transform, encode));
    }

    private TimeSpan Run(TransformContext ctx, Action<TransformContext>[] steps)
    {
        var start = time.GetTimestamp();
        foreach (var step in steps)
        {
            ctx.CancellationToken.ThrowIfCancellationRequested();
            try
            {
                step(ctx);
            }
            catch (Exception ex) when (ex is not (EdgeProblemException or GeometryException or OperationCanceledException or InvalidOperationException))
            {
                // Skia reports most failures as null or a result code, but a hostile file must never surface as a
                // 500 or crash the worker: whatever escapes native code while handling the pixels is "undecodable".
                throw EdgeProblemException.Unsupported("The original is not an image the edge can decode.");
            }
        }

        return time.GetElapsedTime(start);
    }
}
