using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using EdgeImages.Testing;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

/// <summary>
/// What a decode reserves of the memory budget, known from the header before any pixel buffer exists, and the
/// decodes that keep it small: strips for PNG, DCT scaling for JPEG.
/// </summary>
public sealed class DecodeMemoryTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TransformOptions Thumbnail = new() { Width = 400 };

    [Fact]
    public async Task OneBitPng64MegapixelsToThumbnail_DecodedInStrips_ReservesUnder16MiB()
    {
        var png = HostileImages.OneBitPng(8000, 8000);
        var budget = MemoryBudgetTests.Budget(64 * MiB);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);

        var result = TestImages.Transformer().Transform(png, Thumbnail, accepted: default, memory, CancellationToken.None);

        Assert.True(png.Length < 100_000, $"{png.Length} bytes");
        Assert.Equal((400, 400), (result.Width, result.Height));
        // A whole decode would be 256 MB of pixels; the strips hold 64 rows and a 125x125 bitmap.
        Assert.True(memory.Bytes < 16 * MiB, $"{memory.Bytes} bytes reserved");
        using var output = TestImages.Decode(result.Content);
        // 500-pixel squares: at 400/8000 each is 25 output pixels, white at the top left, black beside it.
        Assert.True(output.GetPixel(12, 12).Red > 200);
        Assert.True(output.GetPixel(37, 12).Red < 55);
    }

    [Fact]
    public void TransparentPngPhotoToAFifth_StripsMatchTheAreaAverageOfAWholeDecode()
    {
        var source = TestImages.Read("png-rgba-photo.png");
        using var full = TestImages.Decode(source);
        var width = Math.Max(1, full.Width / 5);

        var result = TestImages.Transform(source, new TransformOptions { Width = width, Format = ImageFormat.Png });

        using var output = TestImages.Decode(result.Content);
        using var reference = TestImages.AreaAverage(full, output.Width, output.Height);
        var error = TestImages.MeanAbsDiffPremultiplied(output, reference);
        Assert.True(error < 2, $"mean error {error:F2}");
    }

    [Fact]
    public void TruncatedPngDecodedInStrips_LessThanHalfTheRows_Is415()
    {
        var png = Synthetic.Png(800, 800, (x, y) => new SKColor((byte)x, (byte)y, 0));
        var truncated = png[..(png.Length / 4)];

        var refused = Assert.Throws<EdgeProblemException>(() => TestImages.Transform(truncated, new TransformOptions { Width = 50 }));

        Assert.Equal(415, refused.Status);
    }

    [Fact]
    public async Task FlatJpeg100MegapixelsToThumbnail_DecodedAtAnEighth_ReservesUnder32MiB()
    {
        var jpeg = HostileImages.FlatJpeg(10_000, 10_000);
        var budget = MemoryBudgetTests.Budget(64 * MiB);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);

        var result = TestImages.Transformer().Transform(jpeg, Thumbnail, accepted: default, memory, CancellationToken.None);

        Assert.True(jpeg.Length < 500_000, $"{jpeg.Length} bytes");
        Assert.Equal((400, 400), (result.Width, result.Height));
        Assert.True(memory.Bytes < 32 * MiB, $"{memory.Bytes} bytes reserved");
        using var output = TestImages.Decode(result.Content);
        Assert.InRange(output.GetPixel(200, 200).Red, 120, 136);
    }

    [Fact]
    public async Task ManyFrameGifWholeCanvasOverTheBudget_Is413BeforeDecoding()
    {
        // GIF has no reduced decode: the first frame is drawn into the whole 4000x4000 canvas, 64 MB of pixels.
        var gif = HostileImages.ManyFrameGif(4000, 4000, frames: 5000);
        var budget = MemoryBudgetTests.Budget(32 * MiB);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);

        var refused = Assert.Throws<EdgeProblemException>(
            () => TestImages.Transformer().Transform(gif, Thumbnail, accepted: default, memory, CancellationToken.None));

        Assert.Equal(413, refused.Status);
        Assert.Equal(MiB, budget.ReservedBytes);
    }

    [Fact]
    public async Task ManyFrameGifWithinTheBudget_DecodesTheFirstFrame_ReservesTheWholeCanvas()
    {
        var gif = HostileImages.ManyFrameGif(2000, 2000, frames: 5000);
        var budget = MemoryBudgetTests.Budget(64 * MiB);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);

        // anim:0: kept animated, 5000 frames are over Transforms:MaxAnimationFrames (AnimationTransformTests).
        var result = TestImages.Transformer().Transform(gif, Thumbnail with { Animate = false }, accepted: default, memory, CancellationToken.None);

        Assert.Equal(400, result.Width);
        Assert.True(memory.Bytes >= 2 * 2000 * 2000 * 4, $"{memory.Bytes} bytes reserved");
    }

    [Fact]
    public void ProgressiveJpeg_CostsItsCoefficientsPerSourcePixel_BaselineNothing()
    {
        Assert.Equal(3.0, JpegStructure.WholeImageBytesPerPixel(TestImages.Read("jpeg-progressive.jpg")), 1);
        Assert.Equal(0.0, JpegStructure.WholeImageBytesPerPixel(TestImages.Read("photo-flower-3mp-baseline.jpg")));
        Assert.Equal(0.0, JpegStructure.WholeImageBytesPerPixel(HostileImages.FlatJpeg(64, 64)));
    }
}
