using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Tests.Transforms.Animation;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

/// <summary>
/// Each output format's encoder has a largest side. An output planned past it is the URL's fault: a 400 naming both,
/// decided from the header before any pixel is decoded, never a 500 (or a 415) from the encoder after the work.
/// </summary>
public sealed class OutputLimitsTests
{
    private const long MiB = 1024 * 1024;
    private const string Panorama = "panorama-8000x1000.jpg";

    [Theory]
    [InlineData(ImageFormat.Jpeg)]
    [InlineData(ImageFormat.Webp)]
    [InlineData(ImageFormat.Gif)]
    [InlineData(ImageFormat.Png)]
    [InlineData(ImageFormat.Avif)]
    public void Encoder_AtTheFormatsMaxSide_Encodes_OnePixelMore_DoesNot(ImageFormat format)
    {
        // The limits are the encoders' own, measured here rather than trusted from their documentation.
        var max = OutputLimits.MaxSide(format);

        Assert.True(Encodes(format, max), $"{format} at {max}");
        Assert.False(Encodes(format, max + 1), $"{format} at {max + 1}");
    }

    [Theory]
    [InlineData("h:2100,up:1,f:webp", "16800x2100", "16383")]
    [InlineData("h:2100,up:1,f:avif", "16800x2100", "16384")]
    [InlineData("crop:0:0:8000:10,h:100,up:1,f:jpeg", "80000x100", "65500")]
    [InlineData("crop:0:0:8000:10,h:100,up:1,f:gif", "80000x100", "65535")]
    public async Task Panorama_OutputSidePastTheFormatsLimit_400NamingSizeAndLimit_BeforeAnyMemoryIsReserved(string url, string size, string limit)
    {
        var options = OptionsOf(url);
        var budget = MemoryBudgetTests.Budget(512 * MiB);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);

        var ex = Assert.Throws<EdgeProblemException>(() =>
            TestImages.Transformer().Transform(TestImages.Read(Panorama), options, default, memory, CancellationToken.None));

        Assert.Equal(400, ex.Status);
        Assert.Contains(size, ex.Message, StringComparison.Ordinal);
        Assert.Contains(limit, ex.Message, StringComparison.Ordinal);
        // Decode reserves the decoded pixels before it allocates them: nothing grown means nothing decoded.
        Assert.Equal(MiB, memory.Bytes);
    }

    [Fact]
    public void WideOriginal_OnlyFormatWebp_400BeforeDecode()
    {
        var wide = Synthetic.Png(20000, 1, (_, _) => SKColors.Gray);

        var ex = Assert.Throws<EdgeProblemException>(() => TestImages.Transform(wide, new TransformOptions { Format = ImageFormat.Webp }));

        Assert.Equal(400, ex.Status);
        Assert.Contains("20000x1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_WebpAcceptedButTooNarrowForTheOutput_FallsBackToJpeg()
    {
        var wide = Synthetic.Png(20000, 2, (_, _) => SKColors.Gray);

        var result = TestImages.Transform(wide, new TransformOptions(), new AcceptedFormats(Avif: false, Webp: true));

        Assert.Equal(ImageFormat.Jpeg, result.Format);
        Assert.Equal((20000, 2), (result.Width, result.Height));
    }

    [Fact]
    public void Auto_OpaqueOutputPastJpegsLimit_FallsBackToPng()
    {
        var wide = Synthetic.Png(70000, 1, (_, _) => SKColors.Gray);

        var result = TestImages.Transform(wide, new TransformOptions(), new AcceptedFormats(Avif: false, Webp: true));

        Assert.Equal(ImageFormat.Png, result.Format);
        Assert.Equal(70000, result.Width);
    }

    [Fact]
    public void Auto_AnimationPastWebpsLimit_FallsBackToAnimatedGif()
    {
        // An animation keeps its frames only as WebP or GIF; wider than WebP holds, f:auto writes the GIF, frames and all.
        var animation = Animations.Solid("gif", 100, 1, [SKColors.Red, SKColors.Blue], [100, 100], loop: 0);
        var options = new TransformOptions { Width = 17000, Upscale = true };

        var result = TestImages.Transform(animation, options, new AcceptedFormats(Avif: false, Webp: true));

        Assert.Equal(ImageFormat.Gif, result.Format);
        Assert.Equal((17000, 170), (result.Width, result.Height));
        var decoded = Animations.Read(result.Content);
        Assert.Equal(2, decoded.Frames.Count);
        Assert.Equal(SKColors.Red, decoded.Frames[0].GetPixel(8500, 85));
        Assert.Equal(SKColors.Blue, decoded.Frames[1].GetPixel(8500, 85));
    }

    [Fact]
    public void Auto_OutputPastEveryFormatsLimit_400()
    {
        var wide = Synthetic.Png(8000, 1, (_, _) => SKColors.Gray);
        var limits = new TransformLimits { MaxOutputPixels = 500_000_000 };
        var options = new TransformOptions { Height = 130, Upscale = true };

        var ex = Assert.Throws<EdgeProblemException>(() => TestImages.Transformer(limits).Transform(wide, options, default, CancellationToken.None));

        Assert.Equal(400, ex.Status);
        Assert.Contains("1040000x130", ex.Message, StringComparison.Ordinal);
    }

    private static TransformOptions OptionsOf(string url) =>
        OptionsParser.Parse(url).Value ?? throw new InvalidOperationException(url);

    private static bool Encodes(ImageFormat format, int side)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, 1, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Gray);
        try
        {
            switch (format)
            {
                case ImageFormat.Avif:
                    return VipsEncoder.EncodeAvif(bitmap, AvifQuality.FromUrl(null)).Length > 0;
                case ImageFormat.Gif:
                    return VipsEncoder.EncodeGif(bitmap).Length > 0;
            }

            using var pixmap = bitmap.PeekPixels();
            using var data = format switch
            {
                ImageFormat.Jpeg => pixmap.Encode(new SKJpegEncoderOptions(80)),
                ImageFormat.Webp => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, 80)),
                _ => pixmap.Encode(SKPngEncoderOptions.Default),
            };
            return data is { Size: > 0 };
        }
        catch (Exception ex) when (ex is NetVips.VipsException)
        {
            return false;
        }
    }
}
