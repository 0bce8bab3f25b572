using EdgeImages.Edge.Transforms;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class LanczosResamplerTests
{
    // Widths of 4n + 3: the last three pixels of each row take the path that is not four pixels at a time.
    [Theory]
    [InlineData(40, 30, 7, 5)]
    [InlineData(97, 13, 11, 3)]
    public void UniformPicture_Reduced_KeepsItsExactColour(int width, int height, int toWidth, int toHeight)
    {
        var colour = new SKColor(201, 77, 3, 255);
        using var source = Uniform(width, height, colour);

        using var reduced = LanczosResampler.Reduce(source, new PixelSize(toWidth, toHeight), CancellationToken.None);

        Assert.Equal((toWidth, toHeight), (reduced.Width, reduced.Height));
        Assert.All(Premultiplied(reduced), pixel => Assert.Equal((201, 77, 3, 255), pixel));
    }

    [Fact]
    public void HardEdgeBetweenTranslucentAndOpaque_Reduced_NoChannelAboveItsAlpha()
    {
        // Translucent white (premultiplied 100 of 100) next to opaque grey (128 of 255): on the translucent side
        // Lanczos's lobe takes alpha down by a share of 155 but the colour only by the same share of 28, so the colour
        // would rise above its alpha if it were not clamped.
        using var source = Pixels.Allocate(new PixelSize(90, 6));
        for (var x = 0; x < 90; x++)
        {
            for (var y = 0; y < 6; y++)
            {
                source.SetPixel(x, y, x < 45 ? new SKColor(255, 255, 255, 100) : new SKColor(128, 128, 128, 255));
            }
        }

        using var reduced = LanczosResampler.Reduce(source, new PixelSize(31, 2), CancellationToken.None);
        var pixels = Premultiplied(reduced);

        Assert.All(pixels, pixel => Assert.True(pixel.R <= pixel.A && pixel.G <= pixel.A && pixel.B <= pixel.A, $"{pixel} has colour above its alpha"));
        Assert.Equal((100, 100, 100, 100), pixels[0]);
        Assert.Equal((128, 128, 128, 255), pixels[30]);
    }

    private static SKBitmap Uniform(int width, int height, SKColor colour)
    {
        var bitmap = Pixels.Allocate(new PixelSize(width, height));
        bitmap.Erase(colour);
        return bitmap;
    }

    // The bitmap's bytes as they are (premultiplied RGBA), not through GetPixel's unpremultiplying.
    private static List<(int R, int G, int B, int A)> Premultiplied(SKBitmap bitmap)
    {
        var bytes = bitmap.GetPixelSpan();
        var pixels = new List<(int, int, int, int)>();
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var i = (y * bitmap.RowBytes) + (x * 4);
                pixels.Add((bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]));
            }
        }

        return pixels;
    }
}
