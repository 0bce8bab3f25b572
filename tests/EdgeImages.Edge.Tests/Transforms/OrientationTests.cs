using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class OrientationTests
{
    private static readonly SKColor Red = new(255, 0, 0), Green = new(0, 255, 0), Blue = new(0, 0, 255);
    private static readonly SKColor White = new(255, 255, 255), Black = new(0, 0, 0), Yellow = new(255, 255, 0, 128);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ExifOrientationFile_Transform_LooksLikeOrientation1(int orientation)
    {
        var options = new TransformOptions { Width = 300, Format = ImageFormat.Png };
        using var expected = TestImages.Decode(TestImages.Transform("exif-orientation-1.jpg", options).Content);
        using var actual = TestImages.Decode(TestImages.Transform($"exif-orientation-{orientation}.jpg", options).Content);
        Assert.Equal((300, 200), (actual.Width, actual.Height));

        using var a = TestImages.Thumbnail(expected, 60, 40);
        using var b = TestImages.Thumbnail(actual, 60, 40);
        Assert.True(TestImages.MeanAbsDiff(a, b) < 4, $"orientation {orientation}: {TestImages.MeanAbsDiff(a, b):F1}");
    }

    [Fact]
    public void ExifOrientationFile_WrongOrientation_WouldBeDetected()
    {
        // Guards the test above: a mirrored picture is far from the upright one at the same size.
        var options = new TransformOptions { Width = 300, Format = ImageFormat.Png };
        using var upright = TestImages.Decode(TestImages.Transform("exif-orientation-1.jpg", options).Content);
        using var mirrored = TestImages.Decode(TestImages.Transform("exif-orientation-1.jpg", options with { Flip = FlipMode.Horizontal }).Content);

        using var a = TestImages.Thumbnail(upright, 60, 40);
        using var b = TestImages.Thumbnail(mirrored, 60, 40);
        Assert.True(TestImages.MeanAbsDiff(a, b) > 10);
    }

    [Fact]
    public void WebpWithExifOrientation6_Transform_IsUpright320x480()
    {
        var result = TestImages.Transform("webp-exif-orientation-6.webp", new TransformOptions());

        Assert.Equal((320, 480), (result.Width, result.Height));
    }

    [Fact]
    public void Tiny2x3_NoOptions_KeepsKnownPixels() =>
        AssertPixels(new TransformOptions(), [[Red, Green], [Blue, White], [Black, Yellow]]);

    [Fact]
    public void Tiny2x3_Rot90_TurnsClockwise() =>
        AssertPixels(new TransformOptions { Rotate = 90 }, [[Black, Blue, Red], [Yellow, White, Green]]);

    [Fact]
    public void Tiny2x3_Rot180_TurnsHalf() =>
        AssertPixels(new TransformOptions { Rotate = 180 }, [[Yellow, Black], [White, Blue], [Green, Red]]);

    [Fact]
    public void Tiny2x3_Rot270_TurnsCounterClockwise() =>
        AssertPixels(new TransformOptions { Rotate = 270 }, [[Green, White, Yellow], [Red, Blue, Black]]);

    [Fact]
    public void Tiny2x3_FlipH_MirrorsLeftRight() =>
        AssertPixels(new TransformOptions { Flip = FlipMode.Horizontal }, [[Green, Red], [White, Blue], [Yellow, Black]]);

    [Fact]
    public void Tiny2x3_FlipV_MirrorsTopBottom() =>
        AssertPixels(new TransformOptions { Flip = FlipMode.Vertical }, [[Black, Yellow], [Blue, White], [Red, Green]]);

    [Fact]
    public void Tiny2x3_FlipHv_EqualsRot180() =>
        AssertPixels(new TransformOptions { Flip = FlipMode.Both }, [[Yellow, Black], [White, Blue], [Green, Red]]);

    [Fact]
    public void Tiny2x3_Rot90ThenFlipH_RotatesBeforeMirroring() =>
        AssertPixels(new TransformOptions { Rotate = 90, Flip = FlipMode.Horizontal }, [[Red, Blue, Black], [Green, White, Yellow]]);

    [Fact]
    public void Tiny2x3_CropAfterRot_UsesOrientedSourceThenRotates() =>
        AssertPixels(new TransformOptions { Crop = new CropRect(1, 0, 1, 3), Rotate = 90 }, [[Yellow, White, Green]]);

    private static void AssertPixels(TransformOptions options, SKColor[][] rows)
    {
        var result = TestImages.Transform("tiny-2x3.png", options with { Format = ImageFormat.Png });
        using var bitmap = TestImages.Decode(result.Content);

        Assert.Equal((rows[0].Length, rows.Length), (bitmap.Width, bitmap.Height));
        for (var y = 0; y < rows.Length; y++)
        {
            for (var x = 0; x < rows[y].Length; x++)
            {
                SKColor expected = rows[y][x], actual = bitmap.GetPixel(x, y);
                var close = Math.Abs(expected.Red - actual.Red) <= 2 && Math.Abs(expected.Green - actual.Green) <= 2
                    && Math.Abs(expected.Blue - actual.Blue) <= 2 && Math.Abs(expected.Alpha - actual.Alpha) <= 2;
                Assert.True(close, $"({x},{y}): expected {expected}, got {actual}");
            }
        }
    }
}
