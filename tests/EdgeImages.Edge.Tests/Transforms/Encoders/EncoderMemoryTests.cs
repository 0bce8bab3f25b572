using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms.Encoders;

/// <summary>libvips' encoders work inside the memory budget: their working memory is reserved before they start.</summary>
public sealed class EncoderMemoryTests
{
    private const long MiB = 1024 * 1024;

    // A flat 1000x1000 PNG: a few KB to fetch and 4 MB a bitmap, so the encoder's share is what decides.
    private static readonly byte[] Flat = Synthetic.Png(1000, 1000, (x, y) => new SKColor((byte)(x / 4), (byte)(y / 4), 128));

    [Theory]
    [InlineData(ImageFormat.Avif)]
    [InlineData(ImageFormat.Gif)]
    public async Task VipsFormat_ReservesItsWorkingMemory_BeyondWhatSkiaFormatsReserve(ImageFormat format)
    {
        var budget = MemoryBudgetTests.Budget(512 * MiB);
        using var vips = await budget.ReserveAsync("a", MiB, CancellationToken.None);
        using var skia = await budget.ReserveAsync("b", MiB, CancellationToken.None);

        TestImages.Transformer().Transform(Flat, new TransformOptions { Format = format }, accepted: default, vips, CancellationToken.None);
        TestImages.Transformer().Transform(Flat, new TransformOptions { Format = ImageFormat.Webp }, accepted: default, skia, CancellationToken.None);

        Assert.True(vips.Bytes >= EncoderMemory.WorkingBytes(format, 1000 * 1000), $"{vips.Bytes} bytes reserved for {format}");
        Assert.True(vips.Bytes > skia.Bytes + (10 * MiB), $"{vips.Bytes} for {format}, {skia.Bytes} for WebP");
    }

    [Fact]
    public async Task GifEncoderBeyondTheWholeBudget_Is413_AndTheSameImageAsPngIsMade()
    {
        // 1000x1000 decodes within 48 MiB; the GIF encoder's 72 MB would not fit in it.
        var budget = MemoryBudgetTests.Budget(48 * MiB);
        using (var png = await budget.ReserveAsync("a", MiB, CancellationToken.None))
        {
            var made = TestImages.Transformer().Transform(Flat, new TransformOptions { Format = ImageFormat.Png }, accepted: default, png, CancellationToken.None);
            Assert.Equal(1000, made.Width);
        }

        using var gif = await budget.ReserveAsync("a", MiB, CancellationToken.None);
        var refused = Assert.Throws<EdgeProblemException>(
            () => TestImages.Transformer().Transform(Flat, new TransformOptions { Format = ImageFormat.Gif }, accepted: default, gif, CancellationToken.None));

        Assert.Equal(413, refused.Status);
    }
}
