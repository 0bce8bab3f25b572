using EdgeImages.Edge.Transforms;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class JpegStructureTests
{
    [Theory]
    [InlineData("photo-flower-3mp-baseline.jpg")]
    [InlineData("jpeg-progressive.jpg")]
    [InlineData("jpeg-cmyk.jpg")]
    [InlineData("jpeg-grayscale.jpg")]
    [InlineData("exif-orientation-6.jpg")]
    [InlineData("jpeg-icc-display-p3.jpg")]
    [InlineData("photo-landscape-12mp.jpg")]
    [InlineData("tiny-1x1.jpg")]
    [InlineData("tiny-2x3.jpg")]
    public void RealJpeg_WholeOrTruncated_LooksIntact(string name)
    {
        var jpeg = TestImages.Read(name);

        Assert.True(JpegStructure.LooksIntact(jpeg));
        Assert.True(JpegStructure.LooksIntact(jpeg.AsSpan(0, jpeg.Length / 2)));
        Assert.True(JpegStructure.LooksIntact([.. jpeg, .. "trailing junk after EOI"u8.ToArray()]));
    }

    [Fact]
    public void HeaderThenRandomBytes_ThousandSeeds_AtLeast98PercentCorrupt()
    {
        // A heuristic: random bytes can, rarely, mimic a scan ending in a plausible segment that runs past the end.
        var header = TestImages.Read("photo-flower-3mp-baseline.jpg")[..700];
        var missed = new List<int>();
        for (var seed = 0; seed < 1000; seed++)
        {
            var garbage = new byte[20_000];
            new Random(seed).NextBytes(garbage);
            if (JpegStructure.LooksIntact([.. header, .. garbage]))
            {
                missed.Add(seed);
            }
        }

        Assert.True(missed.Count <= 20, $"missed {missed.Count}: {string.Join(", ", missed)}");
    }

    [Fact]
    public void NotAJpeg_LooksIntact_LeavesItToTheCodec() => Assert.True(JpegStructure.LooksIntact("GIF89a"u8));
}
