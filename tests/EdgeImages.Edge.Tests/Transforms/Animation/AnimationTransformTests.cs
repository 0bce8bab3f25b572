using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using NetVips;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms.Animation;

/// <summary>
/// Animated sources through the transformer: kept animated for webp, gif and auto, every frame transformed and
/// composited as a player shows it, with the source's delays and loop count; the first frame otherwise. Outputs are
/// decoded back by Skia (<see cref="Animations.Read"/>), independently of the edge's own frame plan.
/// </summary>
public sealed class AnimationTransformTests
{
    private const string AnimatedGif = "gif-animated.gif";
    private const string AnimatedWebp = "webp-animated.webp";

    // 20x20: a red frame kept, a green top-left quadrant disposed as given, then a blue bottom-right quadrant.
    private static byte[] DisposalGif(int disposal, int? loops = 0) => Animations.Gif(20, 20,
    [
        new GifFrame(0, 0, 20, 20, Colour: 0, DelayCentiseconds: 10, Disposal: 1),
        new GifFrame(0, 0, 10, 10, Colour: 1, DelayCentiseconds: 20, Disposal: disposal),
        new GifFrame(10, 10, 10, 10, Colour: 2, DelayCentiseconds: 30, Disposal: 1),
    ], loops);

    [Theory]
    [InlineData(AnimatedGif, ImageFormat.Gif)]
    [InlineData(AnimatedGif, ImageFormat.Webp)]
    [InlineData(AnimatedWebp, ImageFormat.Gif)]
    [InlineData(AnimatedWebp, ImageFormat.Webp)]
    public void SharedAnimation_AnimatableFormat_PlaysTheSameTimelineAndLoop(string name, ImageFormat format)
    {
        // Both encoders fold a frame identical to the one before into it, adding up the delays: the fixture GIF's 30
        // frames hold 9 pictures. So the promise is the timeline: at each source frame's start the output shows that
        // frame, resized, and the whole lasts as long. Every frame is compared, composited by Skia from the source.
        using var source = Animations.Read(TestImages.Read(name));

        var output = TestImages.Transform(name, new TransformOptions { Width = 40, Format = format, Quality = 95 });

        using var decoded = Animations.Read(output.Content);
        Assert.Equal(format == ImageFormat.Gif ? SKEncodedImageFormat.Gif : SKEncodedImageFormat.Webp, decoded.Format);
        Assert.True(decoded.Frames.Count > 1, $"{decoded.Frames.Count} frames");
        Assert.Equal(source.Delays.Sum(), decoded.Delays.Sum());
        Assert.Equal(source.Repetitions, decoded.Repetitions);
        // GIF has one bit of alpha, so the soft edges of the resized squares differ more than in WebP. Whatever the
        // format, the frame shown must also be the closest of all output frames to the source frame of that moment.
        var bound = format == ImageFormat.Gif ? 12 : 4;
        var outputs = decoded.Frames.Select(f => TestImages.Thumbnail(f, 40, 40)).ToList();
        var start = 0;
        for (var i = 0; i < source.Frames.Count; i++)
        {
            using var expected = TestImages.Thumbnail(source.Frames[i], 40, 40);
            var shown = TestImages.MeanAbsDiffPremultiplied(expected, outputs[decoded.IndexAt(start)]);
            Assert.InRange(shown, 0, bound);
            Assert.InRange(shown, 0, outputs.Min(o => TestImages.MeanAbsDiffPremultiplied(expected, o)) + 0.5);
            start += source.Delays[i];
        }

        outputs.ForEach(o => o.Dispose());
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(0, -1)]
    [InlineData(null, 0)]
    public void GeneratedGif_LoopCount_SurvivesBothAnimatedFormats(int? netscapeLoops, int repetitions)
    {
        var source = DisposalGif(disposal: 1, loops: netscapeLoops);
        Assert.Equal(repetitions, Animations.Read(source).Repetitions);

        foreach (var format in new[] { ImageFormat.Gif, ImageFormat.Webp })
        {
            using var decoded = Animations.Read(TestImages.Transform(source, new TransformOptions { Format = format }).Content);
            Assert.Equal(repetitions, decoded.Repetitions);
            Assert.Equal([100, 200, 300], decoded.Delays);
        }
    }

    [Fact]
    public void GeneratedWebp_DelaysAndLoop_KeptInGifOutput()
    {
        var source = Animations.Solid("webp", 16, 16, [SKColors.Red, SKColors.Blue, SKColors.White, SKColors.Black], [40, 80, 120, 500], loop: 2);

        using var decoded = Animations.Read(TestImages.Transform(source, new TransformOptions { Width = 8, Format = ImageFormat.Gif }).Content);

        Assert.Equal([40, 80, 120, 500], decoded.Delays);
        Assert.Equal(Animations.Read(source).Repetitions, decoded.Repetitions);
        Assert.Equal(SKColors.Blue, Opaque(decoded.Frames[1].GetPixel(4, 4)));
        Assert.Equal(SKColors.Black, Opaque(decoded.Frames[3].GetPixel(4, 4)));
    }

    [Theory]
    [InlineData(ImageFormat.Gif)]
    [InlineData(ImageFormat.Webp)]
    public void DisposalToBackground_ResizedAndFlipped_ClearsTheQuadrantInLaterFrames(ImageFormat format)
    {
        var output = TestImages.Transform(DisposalGif(disposal: 2), new TransformOptions { Width = 10, Flip = FlipMode.Horizontal, Format = format });

        using var decoded = Animations.Read(output.Content);
        Assert.Equal(3, decoded.Frames.Count);
        // Flipped: the source's top-left quadrant is the output's top-right.
        AssertQuadrants(decoded.Frames[0], topLeft: SKColors.Red, topRight: SKColors.Red, bottomLeft: SKColors.Red, bottomRight: SKColors.Red);
        AssertQuadrants(decoded.Frames[1], topLeft: SKColors.Red, topRight: Animations.Palette[1], bottomLeft: SKColors.Red, bottomRight: SKColors.Red);
        AssertQuadrants(decoded.Frames[2], topLeft: SKColors.Red, topRight: SKColors.Transparent, bottomLeft: SKColors.Blue, bottomRight: SKColors.Red);
    }

    [Theory]
    [InlineData(ImageFormat.Gif)]
    [InlineData(ImageFormat.Webp)]
    public void DisposalToPrevious_Rotated_RestoresTheFrameBefore(ImageFormat format)
    {
        var output = TestImages.Transform(DisposalGif(disposal: 3), new TransformOptions { Width = 10, Rotate = 90, Format = format });

        using var decoded = Animations.Read(output.Content);
        Assert.Equal(3, decoded.Frames.Count);
        // A quarter turn clockwise: top-left goes to top-right, bottom-right to bottom-left.
        AssertQuadrants(decoded.Frames[1], topLeft: SKColors.Red, topRight: Animations.Palette[1], bottomLeft: SKColors.Red, bottomRight: SKColors.Red);
        AssertQuadrants(decoded.Frames[2], topLeft: SKColors.Red, topRight: SKColors.Red, bottomLeft: SKColors.Blue, bottomRight: SKColors.Red);
    }

    [Fact]
    public void Crop_EveryFrame_CutsTheSameRectangle()
    {
        var output = TestImages.Transform(DisposalGif(disposal: 2), new TransformOptions { Crop = new CropRect(0, 0, 10, 10), Format = ImageFormat.Gif });

        using var decoded = Animations.Read(output.Content);
        Assert.Equal((10, 10), (output.Width, output.Height));
        Assert.Equal(
            [SKColors.Red, Animations.Palette[1], SKColors.Transparent],
            decoded.Frames.Select(f => Normalise(f.GetPixel(5, 5))));
    }

    [Theory]
    [InlineData(ImageFormat.Gif)]
    [InlineData(ImageFormat.Webp)]
    public void Anim0_AnimatableFormat_OnlyTheFirstFrame(ImageFormat format)
    {
        var output = TestImages.Transform(AnimatedGif, new TransformOptions { Width = 40, Format = format, Animate = false });

        using var decoded = Animations.Read(output.Content);
        Assert.Single(decoded.Frames);
    }

    [Theory]
    [InlineData(ImageFormat.Jpeg)]
    [InlineData(ImageFormat.Png)]
    public void StillFormat_AnimatedSource_TheFirstFrame(ImageFormat format)
    {
        var output = TestImages.Transform(DisposalGif(disposal: 1), new TransformOptions { Width = 10, Format = format });

        using var decoded = Animations.Read(output.Content);
        Assert.Single(decoded.Frames);
        Assert.Equal(SKColors.Red, Opaque(decoded.Frames[0].GetPixel(2, 2)), new ColourComparer(24));
        Assert.Equal(SKColors.Red, Opaque(decoded.Frames[0].GetPixel(7, 7)), new ColourComparer(24));
    }

    [Fact]
    public void Avif_AnimatedSource_OneImage()
    {
        var output = TestImages.Transform(AnimatedGif, new TransformOptions { Width = 40, Format = ImageFormat.Avif });

        using var decoded = Image.NewFromBuffer(output.Content);
        Assert.Equal(1, decoded.Contains("n-pages") ? (int)decoded.Get("n-pages") : 1);
        Assert.Equal((40, 40), (decoded.Width, decoded.Height));
    }

    [Theory]
    [InlineData(true, ImageFormat.Webp)]
    [InlineData(false, ImageFormat.Gif)]
    public void Auto_AnimatedSource_WebpWhenNamedElseGif(bool webp, ImageFormat expected)
    {
        // AVIF named too: an animation never becomes AVIF, which would drop every frame but the first.
        var output = TestImages.Transform(AnimatedGif, new TransformOptions { Width = 40 }, new AcceptedFormats(Avif: true, Webp: webp));

        Assert.Equal(expected, output.Format);
        using var decoded = Animations.Read(output.Content);
        Assert.True(decoded.Frames.Count > 1, $"{decoded.Frames.Count} frames");
    }

    [Fact]
    public void Auto_Anim0_FollowsTheStillRules()
    {
        var output = TestImages.Transform(AnimatedGif, new TransformOptions { Width = 40, Animate = false }, new AcceptedFormats(Avif: true, Webp: true));

        Assert.Equal(ImageFormat.Avif, output.Format);
    }

    [Fact]
    public void MoreFramesThanAllowed_413_AndAnim0StillServed()
    {
        var transformer = TestImages.Transformer(new TransformLimits { MaxAnimationFrames = 29 });

        var problem = Assert.Throws<EdgeProblemException>(() => transformer.Transform(
            TestImages.Read(AnimatedGif), new TransformOptions { Format = ImageFormat.Gif }, default, CancellationToken.None));

        Assert.Equal(413, problem.Status);
        Assert.Contains("30 frames", problem.Detail, StringComparison.Ordinal);
        var still = transformer.Transform(TestImages.Read(AnimatedGif), new TransformOptions { Format = ImageFormat.Gif, Animate = false }, default, CancellationToken.None);
        Assert.Single(Animations.Read(still.Content).Frames);
    }

    [Fact]
    public void MorePixelsOverAllFramesThanAllowed_413_WhileOneFrameFits()
    {
        // 30 frames of 80x80 are 192000 pixels; the limit allows ten frames' worth.
        var transformer = TestImages.Transformer(new TransformLimits { MaxSourcePixels = 80 * 80 * 10 });

        var problem = Assert.Throws<EdgeProblemException>(() => transformer.Transform(
            TestImages.Read(AnimatedGif), new TransformOptions { Width = 20, Format = ImageFormat.Webp }, default, CancellationToken.None));

        Assert.Equal(413, problem.Status);
        var still = transformer.Transform(TestImages.Read(AnimatedGif), new TransformOptions { Width = 20, Format = ImageFormat.Png }, default, CancellationToken.None);
        Assert.Equal(20, still.Width);
    }

    private static void AssertQuadrants(SKBitmap frame, SKColor topLeft, SKColor topRight, SKColor bottomLeft, SKColor bottomRight)
    {
        var comparer = new ColourComparer(40);
        Assert.Equal((10, 10), (frame.Width, frame.Height));
        Assert.Equal(
            [topLeft, topRight, bottomLeft, bottomRight],
            new[] { frame.GetPixel(2, 2), frame.GetPixel(7, 2), frame.GetPixel(2, 7), frame.GetPixel(7, 7) }.Select(Normalise),
            comparer);
    }

    private static SKColor Normalise(SKColor c) => c.Alpha < 16 ? SKColors.Transparent : Opaque(c);

    private static SKColor Opaque(SKColor c) => c.WithAlpha(255);

    /// <summary>Colours equal within a tolerance per channel (lossy WebP moves them a little), alpha included.</summary>
    private sealed class ColourComparer(int tolerance) : IEqualityComparer<SKColor>
    {
        public bool Equals(SKColor x, SKColor y) =>
            Math.Abs(x.Red - y.Red) <= tolerance && Math.Abs(x.Green - y.Green) <= tolerance
            && Math.Abs(x.Blue - y.Blue) <= tolerance && Math.Abs(x.Alpha - y.Alpha) <= tolerance;

        public int GetHashCode(SKColor obj) => 0;
    }
}
