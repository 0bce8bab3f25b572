using System.Runtime.InteropServices;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Animation;

/// <summary>
/// The transformed frames of an animation being kept, gathered one at a time into one buffer of unpremultiplied
/// RGBA rows, frame under frame: the layout libvips writes animations from (one tall image with a page height), so
/// the encoder reads the frames without a copy. Also what the output must say besides pixels: per-frame delays and
/// the loop count of the source.
/// </summary>
internal sealed class AnimatedFrames
{
    private readonly byte[] _pixels;

    public AnimatedFrames(PixelSize frameSize, IReadOnlyList<int> delays, int repetitions)
    {
        ArgumentNullException.ThrowIfNull(delays);
        FrameSize = frameSize;
        Delays = delays;
        Repetitions = repetitions;
        _pixels = new byte[checked(FrameBytes(frameSize) * delays.Count)];
    }

    public PixelSize FrameSize { get; }

    /// <summary>Each source frame's duration in milliseconds, as Skia reports it.</summary>
    public IReadOnlyList<int> Delays { get; }

    /// <summary>How many times the animation repeats after the first play, as Skia reports it: -1 for ever.</summary>
    public int Repetitions { get; }

    /// <summary>Frames added so far; fewer than <see cref="Delays"/> when the source was cut short.</summary>
    public int Count { get; private set; }

    /// <summary>True when a pixel of any frame added is not fully opaque.</summary>
    public bool HasTransparency { get; private set; }

    /// <summary>The frames added so far, as rows of RGBA: <see cref="Count"/> frames of <see cref="FrameSize"/>.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels.AsMemory(0, (int)(FrameBytes(FrameSize) * Count));

    /// <summary>The array behind <see cref="Pixels"/>, for handing to libvips without a copy.</summary>
    internal byte[] Buffer => _pixels;

    public static long FrameBytes(PixelSize size) => size.Area * 4;

    /// <summary>Appends the next transformed frame, which must be <see cref="FrameSize"/>.</summary>
    public void Add(SKBitmap frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (Transforms.Pixels.SizeOf(frame) != FrameSize || Count >= Delays.Count)
        {
            throw new InvalidOperationException($"Frame {Count} is {Transforms.Pixels.SizeOf(frame)}, not {FrameSize}, or one too many.");
        }

        HasTransparency |= Transforms.Pixels.HasTransparency(frame);
        var info = new SKImageInfo(FrameSize.Width, FrameSize.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var offset = (int)(FrameBytes(FrameSize) * Count);
        var handle = GCHandle.Alloc(_pixels, GCHandleType.Pinned);
        try
        {
            using var source = frame.PeekPixels();
            if (!source.ReadPixels(info, handle.AddrOfPinnedObject() + offset, info.RowBytes))
            {
                throw new InvalidOperationException($"Skia could not convert frame {Count} to RGBA.");
            }
        }
        finally
        {
            handle.Free();
        }

        Count++;
    }
}
