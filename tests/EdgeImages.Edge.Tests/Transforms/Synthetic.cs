using System.IO.Compression;
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

    /// <summary>A valid PNG signature, IHDR declaring <paramref name="width"/>x<paramref name="height"/> RGBA, a small IDAT and IEND.</summary>
    public static byte[] PngBomb(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, width);
        WriteBigEndian(ihdr, 4, height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 6; // RGBA
        Chunk(output, "IHDR", ihdr);
        using (var idat = new MemoryStream())
        {
            using (var z = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                z.Write(new byte[64 * 1024]);
            }

            Chunk(output, "IDAT", idat.ToArray());
        }

        Chunk(output, "IEND", []);
        return output.ToArray();
    }

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

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var header = new byte[8];
        WriteBigEndian(header, 0, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, 0, 4, header, 4);
        output.Write(header);
        output.Write(data);
        var crc = new byte[4];
        WriteBigEndian(crc, 0, (int)Crc32([.. header[4..], .. data]));
        output.Write(crc);
    }

    private static void WriteBigEndian(byte[] buffer, int offset, int value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(offset), value);

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
