using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Animation;

/// <summary>How the canvas is prepared before a frame is decoded onto it.</summary>
internal enum FrameStart
{
    /// <summary>The canvas is cleared to transparent and the frame decoded with no prior frame.</summary>
    Clear,

    /// <summary>The canvas already holds the prior frame, as composited; Skia applies that frame's disposal.</summary>
    Continue,

    /// <summary>The canvas is first overwritten by the saved copy, which holds the prior frame.</summary>
    Restore,
}

/// <summary>What to do for one frame, in order: prepare the canvas, save it if asked, decode the frame onto it.</summary>
/// <param name="Index">The frame to decode.</param>
/// <param name="Start">How to prepare the canvas.</param>
/// <param name="PriorFrame">The frame the prepared canvas holds, handed to Skia as <c>priorFrame</c>; -1 for none.</param>
/// <param name="Save">
/// Copy the prepared canvas aside before decoding: the frame is disposed "to previous", so a later frame starts from
/// the canvas as it was before this one.
/// </param>
internal readonly record struct FrameDecode(int Index, FrameStart Start, int PriorFrame, bool Save);

/// <summary>
/// Plans the decode of every frame of an animation onto one canvas, from the frame headers alone (no pixels): each
/// frame is composited from the canvas Skia asks for (<see cref="SKCodecFrameInfo.RequiredFrame"/>), so disposal and
/// blending are Skia's own, and no frame is decoded twice. Only two canvases ever exist: the current one, and a saved
/// copy for frames disposed to previous. Skia refuses a prior frame that is itself disposed to previous (its content
/// is not what the next frame starts from), so that case restores the saved copy instead. Where neither canvas will
/// do, which well-formed files never need, the frame is decoded with no prior frame and Skia decodes the frames it
/// requires itself: slower, still correct.
/// </summary>
internal static class FramePlanner
{
    public static FrameDecode[] Plan(IReadOnlyList<(int RequiredFrame, SKCodecAnimationDisposalMethod Disposal)> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var plan = new FrameDecode[frames.Count];

        // The frame whose composited state each canvas holds; -1 for blank (cleared, or nothing saved yet).
        int held = -1, saved = -1;
        for (var i = 0; i < frames.Count; i++)
        {
            var required = frames[i].RequiredFrame;
            FrameStart start;
            int prior;
            if (required < 0 || required >= i)
            {
                (start, prior) = (FrameStart.Clear, -1);
            }
            else if (Usable(frames, held, required, i))
            {
                (start, prior) = (FrameStart.Continue, held);
            }
            else if (Usable(frames, saved, required, i))
            {
                (start, prior) = (FrameStart.Restore, saved);
            }
            else
            {
                (start, prior) = (FrameStart.Clear, -1);
            }

            var save = frames[i].Disposal == SKCodecAnimationDisposalMethod.RestorePrevious;
            if (save)
            {
                saved = prior;
            }

            plan[i] = new FrameDecode(i, start, prior, save);
            held = i;
        }

        return plan;
    }

    private static bool Usable(
        IReadOnlyList<(int RequiredFrame, SKCodecAnimationDisposalMethod Disposal)> frames, int candidate, int required, int index) =>
        candidate >= required && candidate < index && frames[candidate].Disposal != SKCodecAnimationDisposalMethod.RestorePrevious;
}
