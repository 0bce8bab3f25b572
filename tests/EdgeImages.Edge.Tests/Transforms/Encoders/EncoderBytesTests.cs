using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Edge.Transforms.Jpeg;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms.Encoders;

/// <summary>
/// What the native encoders write besides the picture: no JFIF segment, the progressive scan scripts (DC in one scan;
/// one bit of refinement below quality 85), and libwebp's trellis for opaque pictures (loadtests/README.md, misses).
/// </summary>
public sealed class EncoderBytesTests
{
    private static readonly Lazy<(byte[] Rgba, int Width, int Height)> Photo = new(() =>
    {
        // The edge's own w:400 pixels of a photo, lossless: what its encoders get on a miss.
        var png = new ImageTransformer(Options.Create(new TransformLimits()), TimeProvider.System)
            .Transform(TestImages.Read("photo-flower-3mp-baseline.jpg"), new TransformOptions { Width = 400, Format = ImageFormat.Png }, default, CancellationToken.None);
        using var bitmap = TestImages.Decode(png.Content);
        using var rgba = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Assert.True(bitmap.CopyTo(rgba, SKColorType.Rgba8888));
        return (rgba.GetPixelSpan().ToArray(), rgba.Width, rgba.Height);
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OpaquePhoto_NativeJpeg_NoJfifSegmentAndSkiaReadsIt(bool progressive)
    {
        var (rgba, width, height) = Photo.Value;

        var jpeg = NativeJpeg.Default.TryEncode(rgba, width, height, width * 4, 80, progressive);

        Assert.NotNull(jpeg);
        // SOI, then straight to the tables: libvips writes no APP0 when it keeps no metadata, and a three-component
        // JPEG without JFIF or Adobe markers is YCbCr to every decoder.
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0xDB }, jpeg[..4]);
        Assert.DoesNotContain(Segments(jpeg), s => s.Marker == 0xE0);
        // Read as YCbCr, not as RGB: as close to the pixels as Skia's own JPEG (with its JFIF segment) at that quality.
        using var original = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        rgba.CopyTo(original.GetPixelSpan());
        using var decoded = TestImages.Decode(jpeg);
        using var skia = TestImages.Decode(original.Encode(SKEncodedImageFormat.Jpeg, 80).ToArray());
        double error = TestImages.MeanAbsDiff(decoded, original), skiaError = TestImages.MeanAbsDiff(skia, original);
        Assert.True(error <= skiaError * 1.05, $"mean error {error:F3} against Skia's {skiaError:F3}");
    }

    [Theory]
    [InlineData(80, 6)]
    [InlineData(84, 6)]
    [InlineData(85, 9)]
    [InlineData(95, 9)]
    public void Progressive_ByQuality_DcInOneScanAndTheScriptForThatQuality(int quality, int scans)
    {
        var (rgba, width, height) = Photo.Value;

        var jpeg = NativeJpeg.Default.TryEncode(rgba, width, height, width * 4, quality, progressive: true);

        Assert.NotNull(jpeg);
        var sos = Segments(jpeg).Where(s => s.Marker == 0xDA).ToList();
        // libjpeg's simple progression wrote ten: DC at one bit less, then its refinement, which never paid here.
        Assert.Equal(scans, sos.Count);
        var dc = sos.Where(s => s.Body[1 + (2 * s.Body[0])] == 0).ToList();
        var only = Assert.Single(dc);
        Assert.Equal(3, only.Body[0]);
        Assert.Equal(0, only.Body[3 + (2 * only.Body[0])]); // Ah 0, Al 0: the DC at full precision at once
    }

    [Fact]
    public void OpaquePhoto_NativeWebp_FewerBytesThanLibwebpsMethod3AtNearlyItsError()
    {
        // Method 5 adds trellis quantisation: measured on the photo set at w:400 it writes 1.5-4 % fewer bytes for
        // 0.05-0.25 dB, which at equal bytes is 0.0-0.07 dB better than method 3 (Skia's, and the shim's before).
        var (rgba, width, height) = Photo.Value;
        using var original = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        rgba.CopyTo(original.GetPixelSpan());

        var native = new ImageTransformer(Options.Create(new TransformLimits()), TimeProvider.System, webp: NativeWebp.Default);
        var skia = new ImageTransformer(Options.Create(new TransformLimits()), TimeProvider.System, webp: NativeWebp.None);
        var source = TestImages.EncodePng(original);
        var options = new TransformOptions { Format = ImageFormat.Webp, Quality = 80 };
        var mine = native.Transform(source, options, default, CancellationToken.None).Content;
        var method3 = skia.Transform(source, options, default, CancellationToken.None).Content;

        Assert.True(mine.Length < method3.Length * 0.99, $"{mine.Length} bytes against method 3's {method3.Length}");
        using var a = TestImages.Decode(mine);
        using var b = TestImages.Decode(method3);
        double error = TestImages.MeanAbsDiff(a, original), errorBefore = TestImages.MeanAbsDiff(b, original);
        Assert.True(error <= errorBefore * 1.05, $"mean error {error:F3} against method 3's {errorBefore:F3}");
    }

    private static List<(byte Marker, byte[] Body)> Segments(byte[] jpeg)
    {
        var segments = new List<(byte, byte[])>();
        var i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF && jpeg[i + 1] != 0xD9)
        {
            var marker = jpeg[i + 1];
            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            segments.Add((marker, jpeg[(i + 4)..(i + 2 + length)]));
            i += 2 + length;
            if (marker == 0xDA)
            {
                // Entropy-coded data: up to the next marker that is neither a stuffed 0xFF00 nor a restart.
                while (i + 1 < jpeg.Length && !(jpeg[i] == 0xFF && jpeg[i + 1] != 0 && jpeg[i + 1] is < 0xD0 or > 0xD7))
                {
                    i++;
                }
            }
        }

        return segments;
    }
}
