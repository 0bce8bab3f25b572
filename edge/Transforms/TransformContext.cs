using System.Runtime.InteropServices;
using EdgeImages.Edge.Transforms.Animation;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Edge.Transforms.Jpeg;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Per-request state the steps read and replace, in the order they run. It owns every Skia object it
/// holds: replacing the image disposes the previous one, and disposing the context releases the rest.
/// </summary>
internal sealed class TransformContext(
    ReadOnlyMemory<byte> source, TransformOptions options, AcceptedFormats accepted, TransformLimits limits, CancellationToken cancellationToken)
    : IDisposable
{
    private SourceData? data;
    private SKBitmap? image;
    private Coverage? coverage;

    public ReadOnlyMemory<byte> Source { get; } = source;

    public TransformOptions Options { get; } = options;

    public AcceptedFormats Accepted { get; } = accepted;

    public TransformLimits Limits { get; } = limits;

    /// <summary>The miss's share of the memory budget, grown before each large buffer; null outside a request (benchmarks, unit tests).</summary>
    public MemoryReservation? Memory { get; init; }

    /// <summary>The native JPEG decoders the decode step may use; <see cref="NativeJpeg.None"/> leaves every JPEG to Skia.</summary>
    public NativeJpeg Jpeg { get; init; } = NativeJpeg.Default;

    /// <summary>The native WebP encoder the encode step may use; <see cref="NativeWebp.None"/> leaves WebP to Skia and libvips.</summary>
    public NativeWebp Webp { get; init; } = NativeWebp.Default;

    /// <summary>The tenant's watermark to lay over the output, if one applies (<see cref="WatermarkStep"/>).</summary>
    public WatermarkOverlay? Watermark { get; init; }

    /// <summary>Fires at the request's deadline; checked between steps and inside the few loops that repeat work.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Set by the probe; reads from <see cref="Source"/> without copying it.</summary>
    public SKCodec? Codec { get; private set; }

    public SKEncodedOrigin Origin { get; set; } = SKEncodedOrigin.TopLeft;

    /// <summary>Upright size of the source at full resolution.</summary>
    public PixelSize Oriented { get; set; }

    public FitPlan? Plan { get; set; }

    /// <summary>Set by the smart-gravity step: the focal point the cover crop centres on.</summary>
    public Gravity? ResolvedGravity { get; set; }

    /// <summary>Set when the source's animation is kept: the transformed frames, gathered one by one.</summary>
    public AnimatedFrames? Animation { get; set; }

    /// <summary>Set by the watermark step: the watermark scaled for this output, reused by every frame (<see cref="WatermarkStep"/>).</summary>
    public ScaledWatermark? ScaledWatermark { get; set; }

    public ImageFormat Format { get; set; } = ImageFormat.Auto;

    public byte[]? Encoded { get; set; }

    /// <summary><c>f:json</c> only: what the info steps learnt of the source and the result (<see cref="Metadata.InfoSteps"/>).</summary>
    public Metadata.SourceFacts? Info { get; set; }

    public SKBitmap Image => image ?? throw new InvalidOperationException("No image has been decoded yet.");

    /// <summary>
    /// Where the source lies in <see cref="Image"/> (see <see cref="Transforms.Coverage"/>): the whole bitmap unless the
    /// step that made the image said otherwise. <see cref="Replace"/> forgets it, so a step that knows nothing of it
    /// leaves the whole-bitmap mapping every step had before; the geometry steps carry it along.
    /// </summary>
    /// <summary>The decoder already averaged blocks of pixels (a DCT-scaled JPEG, libwebp's rescaler, PNG strips).</summary>
    public bool ShrunkOnLoad { get; set; }

    public Coverage Coverage
    {
        get => coverage ?? Coverage.Whole(Pixels.SizeOf(Image));
        set => coverage = value;
    }

    public FitPlan RequiredPlan => Plan ?? throw new InvalidOperationException("The geometry has not been planned yet.");

    public SKCodec RequiredCodec => Codec ?? throw new InvalidOperationException("The source has not been probed yet.");

    /// <summary>Wraps the source for Skia and creates its codec; null when no codec recognises the bytes.</summary>
    public SKCodec? OpenCodec()
    {
        data = SourceData.Wrap(Source);
        Codec = SKCodec.Create(data.Data);
        return Codec;
    }

    /// <summary>Makes <paramref name="next"/> the current image and disposes the previous one.</summary>
    public void Replace(SKBitmap next)
    {
        if (!ReferenceEquals(next, image))
        {
            image?.Dispose();
            image = next;
            coverage = null;
        }
    }

    public void Dispose()
    {
        image?.Dispose();
        ScaledWatermark?.Dispose();
        Codec?.Dispose();
        data?.Dispose();
    }

    /// <summary>
    /// The source as <see cref="SKData"/>: pinned in place when it is backed by an array (the usual case,
    /// no copy of up to <see cref="TransformLimits.MaxSourceBytes"/>), copied otherwise.
    /// </summary>
    private sealed class SourceData : IDisposable
    {
        private GCHandle pin;

        private SourceData(SKData data, GCHandle pin)
        {
            Data = data;
            this.pin = pin;
        }

        public SKData Data { get; }

        public static SourceData Wrap(ReadOnlyMemory<byte> source)
        {
            if (MemoryMarshal.TryGetArray(source, out var segment) && segment.Array is { } array)
            {
                var pin = GCHandle.Alloc(array, GCHandleType.Pinned);
                return new SourceData(SKData.Create(pin.AddrOfPinnedObject() + segment.Offset, segment.Count), pin);
            }

            return new SourceData(SKData.CreateCopy(source.Span), default);
        }

        public void Dispose()
        {
            Data.Dispose();
            if (pin.IsAllocated)
            {
                pin.Free();
            }
        }
    }
}
