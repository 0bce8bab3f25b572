using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class HostileInputTests
{
    private static readonly TransformOptions Thumb = new() { Width = 100 };

    [Fact]
    public void ZeroBytes_Transform_Is415() => AssertStatus(415, []);

    [Fact]
    public void RandomBytes_Transform_Is415()
    {
        var bytes = new byte[10_000];
        new Random(42).NextBytes(bytes);
        AssertStatus(415, bytes);
    }

    [Fact]
    public void JpegHeaderOnly_Transform_Is415() => AssertStatus(415, TestImages.Read("photo-flower-3mp-baseline.jpg")[..700]);

    [Fact]
    public void JpegHeaderThenGarbage_Transform_Is415()
    {
        var header = TestImages.Read("photo-flower-3mp-baseline.jpg")[..700];
        var garbage = new byte[100_000];
        new Random(7).NextBytes(garbage);
        AssertStatus(415, [.. header, .. garbage]);
    }

    [Fact]
    public void PngHeaderThenGarbage_Transform_Is415()
    {
        var png = TestImages.Read("png-rgba-photo.png");
        var garbage = new byte[100_000];
        new Random(7).NextBytes(garbage);
        AssertStatus(415, [.. png[..33], .. garbage]);
    }

    [Fact]
    public void JpegFirstHalf_Transform_ServesTheDecodedPart()
    {
        var jpeg = TestImages.Read("photo-flower-3mp-baseline.jpg");

        var result = TestImages.Transform(jpeg[..(jpeg.Length / 2)], Thumb);

        Assert.Equal(100, result.Width);
    }

    [Theory]
    [InlineData("photo-flower-3mp-baseline.jpg")]
    [InlineData("jpeg-progressive.jpg")]
    [InlineData("png-rgba-photo.png")]
    [InlineData("png-interlaced-photo.png")]
    [InlineData("webp-lossy.webp")]
    [InlineData("webp-lossless.webp")]
    [InlineData("gif-animated.gif")]
    [InlineData("bmp-24bit-photo.bmp")]
    public void TruncatedAnywhere_Transform_ImageOr415Only(string name)
    {
        var bytes = TestImages.Read(name);
        foreach (var fraction in new[] { 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99 })
        {
            var cut = bytes[..(int)(bytes.Length * fraction)];
            try
            {
                var result = TestImages.Transform(cut, Thumb);
                Assert.NotEmpty(result.Content);
            }
            catch (EdgeProblemException ex)
            {
                Assert.Equal(415, ex.Status);
            }
        }
    }

    [Fact]
    public void PngDeclaring50000Squared_Transform_Is413WithoutAllocating()
    {
        var bomb = Synthetic.PngBomb(50_000, 50_000);
        Assert.True(bomb.Length < 2048, $"the bomb is {bomb.Length} bytes");
        var transformer = TestImages.Transformer();
        TestImages.Transform("tiny-1x1.png", Thumb); // warm up JIT and Skia

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<EdgeProblemException>(() => transformer.Transform(bomb, Thumb, default, CancellationToken.None));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(413, ex.Status);
        Assert.True(allocated < 2 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void GifDeclaring50000Squared_Transform_Is413()
    {
        var ex = Assert.Throws<EdgeProblemException>(() => TestImages.Transform(Synthetic.GifBomb(50_000, 50_000), Thumb));
        Assert.Equal(413, ex.Status);
    }

    [Fact]
    public void SourceOverByteLimit_Transform_Is413()
    {
        var transformer = TestImages.Transformer(new TransformLimits { MaxSourceBytes = 1000 });

        var ex = Assert.Throws<EdgeProblemException>(() =>
            transformer.Transform(TestImages.Read("png-rgba-8bit.png").Concat(new byte[2000]).ToArray(), Thumb, default, CancellationToken.None));

        Assert.Equal(413, ex.Status);
    }

    [Fact]
    public void SourceOverPixelLimit_Transform_Is413()
    {
        var transformer = TestImages.Transformer(new TransformLimits { MaxSourcePixels = 1000 });

        var ex = Assert.Throws<EdgeProblemException>(() =>
            transformer.Transform(TestImages.Read("gif-static.gif"), Thumb, default, CancellationToken.None));

        Assert.Equal(413, ex.Status);
    }

    [Fact]
    public void OutputOverPixelLimit_Transform_Is400()
    {
        var transformer = TestImages.Transformer(new TransformLimits { MaxOutputPixels = 10_000 });

        var ex = Assert.Throws<EdgeProblemException>(() =>
            transformer.Transform(TestImages.Read("gif-static.gif"), new TransformOptions { Width = 101, Height = 100 }, default, CancellationToken.None));

        Assert.Equal(400, ex.Status);
    }

    [Fact]
    public void CropOutsideOrientedSource_Transform_ThrowsGeometryError()
    {
        // exif-orientation-6 is stored 1200x1800 and upright 1800x1200: x=1700+200 is outside. The transformer lets
        // the geometry's own error through (not the 415 of an undecodable image); the edge answers it as a 400.
        var ex = Assert.Throws<GeometryException>(() =>
            TestImages.Transform("exif-orientation-6.jpg", new TransformOptions { Crop = new CropRect(1700, 0, 200, 100) }));

        Assert.Contains("1800x1200", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CancelledToken_Transform_ThrowsCancellation()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            TestImages.Transformer().Transform(TestImages.Read("tiny-1x1.png"), Thumb, default, cts.Token));
    }

    private static void AssertStatus(int status, byte[] source)
    {
        var ex = Assert.Throws<EdgeProblemException>(() => TestImages.Transform(source, Thumb));
        Assert.Equal(status, ex.Status);
    }
}
