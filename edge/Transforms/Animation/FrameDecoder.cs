using EdgeImages.Edge.Http;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Animation;

/// <summary>
/// Decodes the frames of an animation in order, each composited onto the canvas as a player shows it (Skia applies
/// disposal and blending, given the prior frame), following a <see cref="FramePlanner"/> plan. Holds at most two
/// canvases of the screen's size: the current one and, for frames disposed to previous, a saved copy.
/// </summary>
internal sealed class FrameDecoder(SKCodec codec, IReadOnlyList<FrameDecode> plan) : IDisposable
{
    private readonly SKBitmap _canvas = Pixels.Allocate(new PixelSize(codec.Info.Width, codec.Info.Height));
    private SKBitmap? _saved;

    /// <summary>
    /// Decodes frame <paramref name="index"/> (frames must be asked for in order) and returns the canvas that now
    /// shows it; the canvas stays this decoder's and changes with the next frame. False when the frame's data is
    /// cut short: the animation ends before it, as a browser would stop there. Any other failure is a 415.
    /// </summary>
    public bool TryDecode(int index, out SKBitmap frame)
    {
        var step = plan[index];
        switch (step.Start)
        {
            case FrameStart.Clear:
                _canvas.Erase(SKColors.Transparent);
                break;
            case FrameStart.Restore:
                CopyPixels(_saved ?? throw new InvalidOperationException("The plan restores a canvas it never saved."), _canvas);
                break;
        }

        if (step.Save)
        {
            _saved ??= Pixels.Allocate(Pixels.SizeOf(_canvas));
            CopyPixels(_canvas, _saved);
        }

        var result = codec.GetPixels(_canvas.Info, _canvas.GetPixels(), _canvas.RowBytes, new SKCodecOptions(step.Index, step.PriorFrame));
        frame = _canvas;
        return result switch
        {
            SKCodecResult.Success => true,
            SKCodecResult.IncompleteInput => false,
            _ => throw EdgeProblemException.Unsupported("A frame of the animation cannot be decoded."),
        };
    }

    public void Dispose()
    {
        _canvas.Dispose();
        _saved?.Dispose();
    }

    private static void CopyPixels(SKBitmap from, SKBitmap to) => from.GetPixelSpan().CopyTo(to.GetPixelSpan());
}
