using EdgeImages.Edge.Tests.Transforms.Animation;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

/// <summary>
/// A watermark over every frame of an animation: decoded and scaled once per request, then composited on each frame,
/// so a large watermark on a long animation costs one decode rather than one per frame (and one memory reservation).
/// </summary>
public sealed class WatermarkStepTests
{
    private const long MiB = 1024 * 1024;
    private const int Frames = 30;

    // 15 MP, solid green: large to decode, small to store.
    private static readonly Lazy<byte[]> LargeMark = new(() => Synthetic.Png(5000, 3000, (_, _) => new SKColor(0, 255, 0)));

    // At se, 5 % margin, a quarter of the 200 px output's width: 50x30 at x 140..189, y 60..89.
    private static readonly WatermarkPlacement Corner = new(GravityKind.SouthEast, 0.05, 0.25, 1.0);

    [Fact]
    public async Task LargeWatermarkOnA30FrameGif_Completes_EveryFrameCarriesIt()
    {
        var colours = Enumerable.Range(0, Frames).Select(i => i % 2 == 0 ? SKColors.Red : SKColors.Blue).ToArray();
        var gif = Animations.Solid("gif", 200, 100, colours, [.. Enumerable.Repeat(100, Frames)], loop: 0);
        var budget = MemoryBudgetTests.Budget(512 * MiB);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);
        using var hangGuard = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var result = TestImages.Transformer().Transform(
            gif, new TransformOptions { Format = ImageFormat.Gif }, default, memory, hangGuard.Token, new WatermarkOverlay(LargeMark.Value, Corner));

        using var decoded = Animations.Read(result.Content);
        Assert.Equal(Frames, decoded.Frames.Count);
        foreach (var i in new[] { 0, 1, Frames - 1 })
        {
            var mark = decoded.Frames[i].GetPixel(165, 75);
            var outside = decoded.Frames[i].GetPixel(20, 20);
            Assert.True(mark.Green > 200 && mark.Red < 60 && mark.Blue < 60, $"frame {i}: {mark}");
            Assert.Equal(colours[i].Red > 128, outside.Red > 128);
        }

        // One decode of the 15 MP mark (8 bytes a pixel reserved), not one per frame.
        Assert.True(memory.Bytes < 200 * MiB, $"{memory.Bytes / MiB} MiB reserved");
    }

    [Fact]
    public void SecondFrameOfTheSameSize_ReusesTheScaledWatermark_ANewSizeScalesAgain()
    {
        using var ctx = new TransformContext(ReadOnlyMemory<byte>.Empty, new TransformOptions(), default, new TransformLimits(), CancellationToken.None)
        {
            Watermark = new WatermarkOverlay(Synthetic.Png(400, 240, (_, _) => new SKColor(0, 255, 0)), Corner),
        };

        ctx.Replace(Pixels.Allocate(new PixelSize(200, 100)));
        WatermarkStep.Apply(ctx);
        var first = ctx.ScaledWatermark;
        ctx.Replace(Pixels.Allocate(new PixelSize(200, 100)));
        WatermarkStep.Apply(ctx);
        var second = ctx.ScaledWatermark;
        ctx.Replace(Pixels.Allocate(new PixelSize(400, 200)));
        WatermarkStep.Apply(ctx);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.NotSame(first, ctx.ScaledWatermark);
        Assert.Equal(new PixelSize(100, 60), Pixels.SizeOf(ctx.ScaledWatermark!.Mark));
        Assert.Equal(new SKColor(0, 255, 0), ctx.Image.GetPixel(340, 150));
    }
}
