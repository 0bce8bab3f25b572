using EdgeImages.Edge.Transforms.Animation;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms.Animation;

/// <summary>The frame plan from headers alone: which canvas each frame is decoded onto, and what Skia is told about it.</summary>
public sealed class FramePlannerTests
{
    private const SKCodecAnimationDisposalMethod Keep = SKCodecAnimationDisposalMethod.Keep;
    private const SKCodecAnimationDisposalMethod Background = SKCodecAnimationDisposalMethod.RestoreBackgroundColor;
    private const SKCodecAnimationDisposalMethod Previous = SKCodecAnimationDisposalMethod.RestorePrevious;

    [Fact]
    public void EveryFrameKept_EachContinuesFromTheOneBefore()
    {
        var plan = FramePlanner.Plan([(-1, Keep), (0, Keep), (1, Keep)]);

        Assert.Equal(
            [new FrameDecode(0, FrameStart.Clear, -1, false), new FrameDecode(1, FrameStart.Continue, 0, false), new FrameDecode(2, FrameStart.Continue, 1, false)],
            plan);
    }

    [Fact]
    public void PriorDisposedToBackground_ContinuesSoSkiaClearsItsRectangle()
    {
        var plan = FramePlanner.Plan([(-1, Keep), (0, Background), (1, Keep)]);

        Assert.Equal(new FrameDecode(2, FrameStart.Continue, 1, false), plan[2]);
    }

    [Fact]
    public void DisposedToPrevious_SavesTheCanvasAndTheNextFrameRestoresIt()
    {
        // Frame 1 is disposed to previous, so frame 2 requires frame 0: the canvas saved before frame 1 was drawn.
        var plan = FramePlanner.Plan([(-1, Keep), (0, Previous), (0, Keep), (2, Keep)]);

        Assert.Equal(
            [
                new FrameDecode(0, FrameStart.Clear, -1, false), new FrameDecode(1, FrameStart.Continue, 0, true),
                new FrameDecode(2, FrameStart.Restore, 0, false), new FrameDecode(3, FrameStart.Continue, 2, false),
            ],
            plan);
    }

    [Fact]
    public void TwoFramesDisposedToPrevious_BothRestoreTheSameSavedCanvas()
    {
        var plan = FramePlanner.Plan([(-1, Keep), (0, Previous), (0, Previous), (0, Keep)]);

        Assert.Equal(new FrameDecode(1, FrameStart.Continue, 0, true), plan[1]);
        Assert.Equal(new FrameDecode(2, FrameStart.Restore, 0, true), plan[2]);
        Assert.Equal(new FrameDecode(3, FrameStart.Restore, 0, false), plan[3]);
    }

    [Fact]
    public void IndependentFrame_StartsFromAClearCanvas()
    {
        // A frame that covers the screen after a background disposal needs nothing before it.
        var plan = FramePlanner.Plan([(-1, Keep), (0, Background), (-1, Keep)]);

        Assert.Equal(new FrameDecode(2, FrameStart.Clear, -1, false), plan[2]);
    }

    [Fact]
    public void RequiredFrameHeldByNeitherCanvas_ClearedAndLeftToSkia()
    {
        // Frame 3 names frame 2, which is disposed to previous (Skia would refuse it as a prior frame), and the saved
        // canvas holds frame 1, before the one required: no prior frame, and Skia decodes what frame 3 needs itself.
        var plan = FramePlanner.Plan([(-1, Keep), (0, Keep), (1, Previous), (2, Keep)]);

        Assert.Equal(new FrameDecode(2, FrameStart.Continue, 1, true), plan[2]);
        Assert.Equal(new FrameDecode(3, FrameStart.Clear, -1, false), plan[3]);
    }

    [Fact]
    public void RequiredFrameNotBefore_TreatedAsIndependent()
    {
        // A header that names itself or a later frame is malformed: nothing is trusted, the frame starts clear.
        var plan = FramePlanner.Plan([(-1, Keep), (1, Keep), (5, Keep)]);

        Assert.All(plan.Skip(1), step => Assert.Equal(FrameStart.Clear, step.Start));
    }
}
