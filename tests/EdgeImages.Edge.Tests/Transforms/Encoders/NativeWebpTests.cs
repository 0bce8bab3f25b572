using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms.Encoders;

/// <summary>
/// The WebP encoder of the shim on the system's libwebp (edge/Native, built by test.sh) against the encoders the edge
/// falls back to (Skia for opaque pictures, libvips with alpha): the same picture, no more bytes, and the same outcome
/// where libwebp refuses.
/// </summary>
public sealed class NativeWebpTests
{
    private static ImageTransformer Native => new(Options.Create(new TransformLimits()), TimeProvider.System, webp: NativeWebp.Default);

    private static ImageTransformer Fallback => new(Options.Create(new TransformLimits()), TimeProvider.System, webp: NativeWebp.None);

    [Fact]
    public void TestEnvironment_Loaded_ShimPresent()
    {
        // test.sh installs libwebp-dev and builds the shim; without it every other test here only tests the fallback.
        Assert.True(NativeWebp.Default.IsLoaded, $"{NativeWebp.ShimLibrary} did not load from {AppContext.BaseDirectory}");
    }

    [Fact]
    public void ShimFolderWithoutTheShim_Load_OffAndEncodesNothing()
    {
        var webp = NativeWebp.Load(Path.GetTempPath());

        Assert.False(webp.IsLoaded);
        Assert.Null(webp.TryEncode(new byte[16], 2, 2, 8, 80, 4));
    }

    [Fact]
    public void KillSwitch_NativeWebpFalse_EncodesAsTheFallback()
    {
        var options = new TransformOptions { Width = 200, Format = ImageFormat.Webp, Quality = 80 };
        var source = TestImages.Read("photo-flower-3mp-baseline.jpg");
        var off = new ImageTransformer(Options.Create(new TransformLimits { NativeWebp = false }), TimeProvider.System, webp: NativeWebp.Default);

        Assert.Equal(Fallback.Transform(source, options, default, CancellationToken.None).Content, off.Transform(source, options, default, CancellationToken.None).Content);
    }

    [Theory]
    [InlineData("photo-flower-3mp-baseline.jpg", 400)]
    [InlineData("photo-landscape-12mp.jpg", 400)]
    [InlineData("photo-portrait-5mp.jpg", 300)]
    [InlineData("png-rgba-photo.png", 400)]
    [InlineData("png-rgba-8bit.png", 64)]
    [InlineData("webp-lossy-alpha.webp", 100)]
    [InlineData("png-grayscale-alpha-photo.png", 200)]
    public void AnyPicture_NativeOrFallback_AsCloseToTheLosslessPictureInAsFewBytes(string name, int width)
    {
        var source = TestImages.Read(name);
        var options = new TransformOptions { Width = width, Format = ImageFormat.Webp, Quality = 80 };

        var native = Native.Transform(source, options, default, CancellationToken.None);
        var fallback = Fallback.Transform(source, options, default, CancellationToken.None);
        var lossless = Native.Transform(source, new TransformOptions { Width = width, Format = ImageFormat.Png }, default, CancellationToken.None);

        Assert.Equal((fallback.Width, fallback.Height), (native.Width, native.Height));
        using var a = TestImages.Decode(native.Content);
        using var b = TestImages.Decode(fallback.Content);
        using var reference = TestImages.Decode(lossless.Content);
        Assert.Equal(HasAlpha(b), HasAlpha(a));
        double nativeError = TestImages.MeanAbsDiffPremultiplied(a, reference), fallbackError = TestImages.MeanAbsDiffPremultiplied(b, reference);
        Assert.True(nativeError <= (fallbackError * 1.02) + 0.01, $"native {nativeError:F3} from the lossless picture, fallback {fallbackError:F3}");
        // Opaque: method 5 against Skia's method 3, trellis quantisation: fewer bytes on detailed photos (the flower
        // at 400: 1.7 % fewer), up to 0.5 % more on smooth ones (the portrait at 300: 7,398 against 7,360). With alpha:
        // libvips' newer libwebp compresses some alpha planes better than Debian's 1.2.4 (the lossy-alpha fixture:
        // 4,460 bytes against 4,204), others worse (the grey-alpha photo: 30,884 against 31,026).
        var slack = HasAlpha(a) ? 1.07 : 1.01;
        Assert.True(native.Content.Length <= fallback.Content.Length * slack, $"{native.Content.Length} bytes against {fallback.Content.Length}");
    }

    [Fact]
    public void TranslucentPixels_Native_WrittenUnpremultiplied()
    {
        // Half-transparent pure red: premultiplied it would be (128, 0, 0, 128) and decode as a darker red.
        var source = Synthetic.Png(64, 64, (_, _) => new SKColor(255, 0, 0, 128));

        var result = Native.Transform(source, new TransformOptions { Format = ImageFormat.Webp, Quality = 90 }, default, CancellationToken.None);

        using var decoded = TestImages.Decode(result.Content);
        var pixel = decoded.GetPixel(32, 32);
        Assert.InRange(pixel.Red, 245, 255);
        Assert.InRange(pixel.Alpha, 126, 130);
    }

    [Fact]
    public void SizeLibwebpRefuses_NativeOrFallback_SameOutcome()
    {
        // WebP stops at 16383 pixels a side: libwebp refuses, the fallback is asked, and it refuses as before.
        var source = Synthetic.Png(20, 2, (x, _) => new SKColor((byte)x, 0, 0));
        var options = new TransformOptions { Width = 16384, Height = 2, Fit = FitMode.Fill, Upscale = true, Format = ImageFormat.Webp };

        Assert.Equal(Outcome(Fallback, source, options), Outcome(Native, source, options));
        Assert.Null(NativeWebp.Default.TryEncode(new byte[16384 * 4], 16384, 1, 16384 * 4, 80, 4));
    }

    [Fact]
    public void BufferSmallerThanItsRows_TryEncode_RefusedNotOverrun()
    {
        Assert.Null(NativeWebp.Default.TryEncode(new byte[100], 10, 10, 40, 80, 4));
        Assert.NotNull(NativeWebp.Default.TryEncode(new byte[400], 10, 10, 40, 80, 4));
    }

    private static bool HasAlpha(SKBitmap bitmap) => Enumerable.Range(0, bitmap.Height).Any(y => Enumerable.Range(0, bitmap.Width).Any(x => bitmap.GetPixel(x, y).Alpha != 255));

    private static string Outcome(ImageTransformer transformer, byte[] source, TransformOptions options)
    {
        try
        {
            var result = transformer.Transform(source, options, default, CancellationToken.None);
            return $"{result.Width}x{result.Height} {result.Content.Length > 0}";
        }
        catch (Exception ex)
        {
            return ex.GetType().Name;
        }
    }
}
