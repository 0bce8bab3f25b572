using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

/// <summary>Images built in memory for tests that need exact content.</summary>
internal static class Synthetic
{
    public static byte[] Png(int width, int height, Func<int, int, SKColor> pixel)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var span = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var c = pixel(x, y);
                var i = (y * bitmap.RowBytes) + (x * 4);
                (span[i], span[i + 1], span[i + 2], span[i + 3]) = (c.Red, c.Green, c.Blue, c.Alpha);
            }
        }

        return TestImages.EncodePng(bitmap);
    }

    public static byte[] Checkerboard(int size) => Png(size, size, (x, y) => ((x + y) & 1) == 0 ? SKColors.Black : SKColors.White);

    /// <summary>A PNG declaring <paramref name="width"/>x<paramref name="height"/> over a tiny IDAT (the shared hostile image).</summary>
    public static byte[] PngBomb(int width, int height) => EdgeImages.Testing.HostileImages.PngDeclaring(width, height);

    /// <summary>A GIF whose screen and single frame declare <paramref name="width"/>x<paramref name="height"/>.</summary>
    public static byte[] GifBomb(int width, int height)
    {
        var bytes = new List<byte>("GIF89a"u8.ToArray());
        bytes.AddRange([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x80, 0, 0]);
        bytes.AddRange([0, 0, 0, 255, 255, 255]); // 2-colour global table
        bytes.AddRange([0x2C, 0, 0, 0, 0, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0]);
        bytes.AddRange([2, 2, 0x4C, 0x01, 0, 0x3B]);
        return [.. bytes];
    }
}
