using System.Text;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class OutputTests
{
    // Byte strings long enough not to occur by chance in compressed data; the chunk walk below is the exact check.
    private static readonly string[] MetadataMarkers = ["Exif", "EXIF", "ICC_PROFILE", "iCCP", "ICCP", "http://ns.adobe.com/xap", "eXIf"];

    [Theory]
    [InlineData(ImageFormat.Jpeg, "image/jpeg")]
    [InlineData(ImageFormat.Png, "image/png")]
    [InlineData(ImageFormat.Webp, "image/webp")]
    [InlineData(ImageFormat.Avif, "image/avif")]
    [InlineData(ImageFormat.Gif, "image/gif")]
    public void ExplicitFormat_Transform_WritesThatFormatsMagic(ImageFormat format, string contentType)
    {
        var result = TestImages.Transform("photo-flower-3mp-baseline.jpg", new TransformOptions { Width = 64, Format = format });

        Assert.Equal(format, result.Format);
        Assert.Equal(contentType, result.ContentType);
        Assert.Equal(format, Sniff(result.Content));
    }

    [Theory]
    [InlineData("photo-flower-3mp-baseline.jpg", false, false, ImageFormat.Jpeg)]
    [InlineData("photo-flower-3mp-baseline.jpg", false, true, ImageFormat.Webp)]
    [InlineData("photo-flower-3mp-baseline.jpg", true, true, ImageFormat.Avif)]
    [InlineData("photo-flower-3mp-baseline.jpg", true, false, ImageFormat.Avif)]
    [InlineData("png-rgba-photo.png", false, false, ImageFormat.Png)]
    [InlineData("png-rgba-photo.png", false, true, ImageFormat.Webp)]
    [InlineData("png-rgba-photo.png", true, true, ImageFormat.Avif)]
    [InlineData("png-grayscale-8bit.png", false, false, ImageFormat.Jpeg)]
    [InlineData("webp-lossless-alpha.webp", false, false, ImageFormat.Png)]
    public void AutoFormat_Transform_PicksAvifElseWebpElsePngForAlphaElseJpeg(string name, bool avif, bool webp, ImageFormat expected)
    {
        var result = TestImages.Transform(name, new TransformOptions { Width = 32 }, new AcceptedFormats(avif, webp));

        Assert.Equal(expected, result.Format);
        Assert.Equal(expected, Sniff(result.Content));
    }

    [Fact]
    public void AutoFormat_AlphaChannelAllOpaque_IsJpeg()
    {
        // An RGBA PNG whose every pixel has alpha 255: the pixels decide, not the declared channel.
        var png = Synthetic.Png(16, 16, (x, y) => new SKColor((byte)(x * 16), (byte)(y * 16), 90, 255));

        Assert.Equal(ImageFormat.Jpeg, TestImages.Transform(png, new TransformOptions()).Format);
    }

    [Theory]
    [InlineData("exif-orientation-6.jpg", ImageFormat.Jpeg)]
    [InlineData("exif-orientation-6.jpg", ImageFormat.Png)]
    [InlineData("exif-orientation-6.jpg", ImageFormat.Webp)]
    [InlineData("jpeg-icc-display-p3.jpg", ImageFormat.Jpeg)]
    [InlineData("jpeg-icc-display-p3.jpg", ImageFormat.Png)]
    [InlineData("jpeg-icc-display-p3.jpg", ImageFormat.Webp)]
    [InlineData("png-icc-display-p3.png", ImageFormat.Png)]
    [InlineData("webp-exif-orientation-6.webp", ImageFormat.Webp)]
    [InlineData("photo-landscape-12mp.jpg", ImageFormat.Jpeg)]
    public void SourceWithExifOrIcc_Transform_OutputCarriesNoMetadata(string name, ImageFormat format)
    {
        var result = TestImages.Transform(name, new TransformOptions { Width = 200, Format = format });

        var text = Encoding.Latin1.GetString(result.Content);
        foreach (var marker in MetadataMarkers)
        {
            Assert.DoesNotContain(marker, text, StringComparison.Ordinal);
        }

        var chunks = Chunks(result.Content);
        Assert.NotEmpty(chunks);
        Assert.All(chunks, chunk => Assert.DoesNotContain(chunk, new[] { "APP1", "APP2", "APP13", "iCCP", "eXIf", "iTXt", "tEXt", "zTXt", "ICCP", "EXIF", "XMP " }));
    }

    /// <summary>Segment names of a JPEG up to its first scan, or chunk types of a PNG or WebP.</summary>
    private static List<string> Chunks(byte[] content)
    {
        var names = new List<string>();
        switch (Sniff(content))
        {
            case ImageFormat.Jpeg:
                for (var i = 2; i + 4 <= content.Length && content[i] == 0xFF && content[i + 1] != 0xDA; i += 2 + ((content[i + 2] << 8) | content[i + 3]))
                {
                    names.Add(content[i + 1] is >= 0xE0 and <= 0xEF ? $"APP{content[i + 1] - 0xE0}" : $"{content[i + 1]:X2}");
                }

                break;
            case ImageFormat.Png:
                for (var i = 8; i + 8 <= content.Length; i += 12 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(i)))
                {
                    names.Add(Encoding.ASCII.GetString(content, i + 4, 4));
                }

                break;
            case ImageFormat.Webp:
                for (var i = 12; i + 8 <= content.Length; i += 8 + ((System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(i + 4)) + 1) & ~1))
                {
                    names.Add(Encoding.ASCII.GetString(content, i, 4));
                }

                break;
        }

        return names;
    }

    [Fact]
    public void SourceWithExif_Sanity_MarkerScanFindsItInTheSource()
    {
        var text = Encoding.Latin1.GetString(TestImages.Read("exif-orientation-6.jpg"));

        Assert.Contains("Exif", text, StringComparison.Ordinal);
        Assert.Contains("ICC_PROFILE", Encoding.Latin1.GetString(TestImages.Read("jpeg-icc-display-p3.jpg")), StringComparison.Ordinal);
    }

    [Fact]
    public void JpegQuality_Lower_GivesSmallerFile()
    {
        var low = TestImages.Transform("photo-flower-3mp-baseline.jpg", new TransformOptions { Width = 400, Format = ImageFormat.Jpeg, Quality = 30 });
        var standard = TestImages.Transform("photo-flower-3mp-baseline.jpg", new TransformOptions { Width = 400, Format = ImageFormat.Jpeg });
        var high = TestImages.Transform("photo-flower-3mp-baseline.jpg", new TransformOptions { Width = 400, Format = ImageFormat.Jpeg, Quality = 95 });

        Assert.True(low.Content.Length < standard.Content.Length && standard.Content.Length < high.Content.Length);
    }

    [Fact]
    public void WebpQuality_Lower_GivesSmallerFile()
    {
        var low = TestImages.Transform("photo-flower-3mp-baseline.jpg", new TransformOptions { Width = 400, Format = ImageFormat.Webp, Quality = 30 });
        var high = TestImages.Transform("photo-flower-3mp-baseline.jpg", new TransformOptions { Width = 400, Format = ImageFormat.Webp, Quality = 95 });

        Assert.True(low.Content.Length < high.Content.Length);
    }

    [Fact]
    public void PngQuality_Ignored_SameBytes()
    {
        var a = TestImages.Transform("png-rgba-photo.png", new TransformOptions { Width = 100, Format = ImageFormat.Png, Quality = 10 });
        var b = TestImages.Transform("png-rgba-photo.png", new TransformOptions { Width = 100, Format = ImageFormat.Png, Quality = 100 });

        Assert.Equal(a.Content, b.Content);
    }

    [Fact]
    public void Timings_FromTimeProvider_OneTickPerPhase()
    {
        var transformer = new Edge.Transforms.ImageTransformer(
            Microsoft.Extensions.Options.Options.Create(new Edge.Transforms.TransformLimits()),
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromSeconds(1) }); // every reading a second after the last

        var result = transformer.Transform(TestImages.Read("tiny-1x1.png"), new TransformOptions(), default, CancellationToken.None);

        Assert.Equal(new Edge.Transforms.TransformTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), result.Timings);
    }

    internal static ImageFormat? Sniff(byte[] content) => content switch
    {
        [0xFF, 0xD8, 0xFF, ..] => ImageFormat.Jpeg,
        [0x89, 0x50, 0x4E, 0x47, ..] => ImageFormat.Png,
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => ImageFormat.Webp,
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'a', (byte)'v', (byte)'i', (byte)'f', ..] => ImageFormat.Avif,
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => ImageFormat.Gif,
        _ => null,
    };
}
