using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Transforms.Jpeg;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Transforms;

/// <summary>
/// The native JPEG decoders (TurboJPEG, and the DC-only progressive shim that test.sh builds) against Skia's decoder,
/// which the edge falls back to: the same pictures, and for broken files exactly the same outcome.
/// </summary>
public sealed class NativeJpegTests
{
    private static readonly TransformOptions Thumb = new() { Width = 100 };

    private static ImageTransformer Native => new(Options.Create(new TransformLimits()), TimeProvider.System, NativeJpeg.Default);

    private static ImageTransformer Skia => new(Options.Create(new TransformLimits()), TimeProvider.System, NativeJpeg.None);

    [Fact]
    public void TestEnvironment_Loaded_BothDecodersPresent()
    {
        // test.sh installs libturbojpeg0 and builds the shim; without them every other test here only tests Skia.
        Assert.True(NativeJpeg.Default.HasTurboJpeg, $"{NativeJpeg.TurboJpegLibrary} did not load");
        Assert.True(NativeJpeg.Default.HasDcOnly, $"{NativeJpeg.ShimLibrary} did not load from {AppContext.BaseDirectory}");
    }

    [Fact]
    public void ShimFolderWithoutTheShim_Load_DcOnlyOffTurboJpegOn()
    {
        var native = NativeJpeg.Load(Path.GetTempPath());

        Assert.False(native.HasDcOnly);
        Assert.Equal(NativeJpeg.Default.HasTurboJpeg, native.HasTurboJpeg);
    }

    [Theory]
    [InlineData("photo-flower-3mp-baseline.jpg", 400)]
    [InlineData("photo-flower-3mp-baseline.jpg", 1600)]
    [InlineData("photo-landscape-12mp.jpg", 400)]
    [InlineData("photo-landscape-12mp.jpg", 1200)]
    [InlineData("photo-portrait-5mp.jpg", 300)]
    [InlineData("jpeg-progressive.jpg", 100)]
    [InlineData("jpeg-grayscale.jpg", 100)]
    [InlineData("jpeg-subsampling-444.jpg", 100)]
    [InlineData("exif-orientation-6.jpg", 50)]
    [InlineData("jpeg-cmyk.jpg", 100)]
    [InlineData("jpeg-icc-adobe-rgb.jpg", 100)]
    [InlineData("jpeg-icc-display-p3.jpg", 100)]
    public void AnyJpeg_NativeOrSkia_SamePicture(string name, int width)
    {
        var source = TestImages.Read(name);
        var options = new TransformOptions { Width = width, Format = ImageFormat.Png };

        var native = Native.Transform(source, options, default, CancellationToken.None);
        var skia = Skia.Transform(source, options, default, CancellationToken.None);

        Assert.Equal((skia.Width, skia.Height), (native.Width, native.Height));
        using var a = TestImages.Decode(native.Content);
        using var b = TestImages.Decode(skia.Content);
        // The DC-only decode drops chroma detail below 1/8 that the full decode keeps; everything else is the same library.
        Assert.True(TestImages.MeanAbsDiff(a, b) < 2, $"{TestImages.MeanAbsDiff(a, b):F2}");
    }

    [Theory]
    [InlineData("photo-flower-3mp-baseline.jpg")]
    [InlineData("photo-landscape-12mp.jpg")]
    [InlineData("jpeg-progressive.jpg")]
    public void TruncatedAnywhere_NativeOrSkia_SameOutcome(string name)
    {
        var bytes = TestImages.Read(name);
        foreach (var fraction in new[] { 0.005, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99 })
        {
            var cut = bytes[..(int)(bytes.Length * fraction)];
            Assert.True(Outcome(Native, cut) == Outcome(Skia, cut), $"{name} cut at {fraction}: native {Outcome(Native, cut)}, Skia {Outcome(Skia, cut)}");
        }
    }

    [Theory]
    [InlineData("photo-flower-3mp-baseline.jpg")]
    [InlineData("photo-landscape-12mp.jpg")]
    [InlineData("jpeg-progressive.jpg")]
    public void CorruptedInTheMiddle_NativeOrSkia_SameOutcome(string name)
    {
        var bytes = TestImages.Read(name);
        var random = new Random(11);
        foreach (var at in new[] { 0.02, 0.1, 0.4, 0.8 })
        {
            var corrupt = (byte[])bytes.Clone();
            var start = (int)(bytes.Length * at);
            random.NextBytes(corrupt.AsSpan(start, Math.Min(4096, bytes.Length - start)));

            Assert.True(Outcome(Native, corrupt) == Outcome(Skia, corrupt), $"{name} corrupted at {at}: native {Outcome(Native, corrupt)}, Skia {Outcome(Skia, corrupt)}");
        }
    }

    [Fact]
    public void HeaderThenGarbage_Native_Is415()
    {
        var header = TestImages.Read("photo-landscape-12mp.jpg")[..2000];
        var garbage = new byte[200_000];
        new Random(3).NextBytes(garbage);

        var ex = Assert.Throws<EdgeProblemException>(() => Native.Transform(header.Concat(garbage).ToArray(), Thumb, default, CancellationToken.None));

        Assert.Equal(415, ex.Status);
    }

    [Fact]
    public void GarbageAndTruncation_NativeDecodersDirectly_ReportFailure()
    {
        var progressive = TestImages.Read("photo-landscape-12mp.jpg");
        var baseline = TestImages.Read("photo-flower-3mp-baseline.jpg");
        var buffer = new byte[500 * 380 * 4];

        // The 12 MP photo's first DC scan is larger than its first 2 %; a baseline file has no DC-only decode.
        Assert.False(NativeJpeg.Default.TryDecodeDcOnly(progressive.AsSpan(0, progressive.Length / 50), buffer, 498, 374, 498 * 4));
        Assert.False(NativeJpeg.Default.TryDecodeDcOnly(baseline, buffer, 256, 192, 256 * 4));
        Assert.False(NativeJpeg.Default.TryDecode(new byte[5000], buffer, 100, 100, 400));
        Assert.True(NativeJpeg.Default.TryDecodeDcOnly(progressive, buffer, 498, 374, 498 * 4));
    }

    [Fact]
    public void WrongSizeForTheScale_DcOnly_RefusedNotOverrun()
    {
        var progressive = TestImages.Read("photo-landscape-12mp.jpg");
        var buffer = new byte[100 * 100 * 4];

        Assert.False(NativeJpeg.Default.TryDecodeDcOnly(progressive, buffer, 100, 100, 400));
        Assert.False(NativeJpeg.Default.TryDecodeDcOnly(progressive, buffer, 498, 374, 498 * 4)); // buffer too small
    }

    private static string Outcome(ImageTransformer transformer, byte[] source)
    {
        try
        {
            var result = transformer.Transform(source, Thumb, default, CancellationToken.None);
            return $"{result.Width}x{result.Height}";
        }
        catch (EdgeProblemException ex)
        {
            return ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
