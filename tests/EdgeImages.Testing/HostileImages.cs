using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace EdgeImages.Testing;

/// <summary>Hostile inputs every service's tests throw at it, made in memory so each is exactly what it claims.</summary>
public static class HostileImages
{
    /// <summary>
    /// A valid PNG whose header declares <paramref name="width"/>x<paramref name="height"/> over one tiny compressed
    /// row: a decompression bomb's shape, a few hundred bytes that would expand to gigabytes if decoded.
    /// </summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        using var stream = new MemoryStream();
        WriteGreyscaleHeader(stream, width, height, bitDepth: 8, interlaced: false);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(new byte[width + 1]); // one row of zeros, filter byte included
            }

            WriteChunk(stream, "IDAT", compressed.ToArray());
        }

        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>
    /// A valid 1-bit greyscale PNG, <paramref name="width"/>x<paramref name="height"/> of black and white squares
    /// <paramref name="square"/> pixels wide: 8000x8000 (64 MP) is a few kilobytes on disk and 256 MB as 32-bit pixels.
    /// </summary>
    public static byte[] OneBitPng(int width, int height, int square = 500)
    {
        using var stream = new MemoryStream();
        WriteGreyscaleHeader(stream, width, height, bitDepth: 1, interlaced: false);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var row = new byte[1 + ((width + 7) / 8)];
                for (var y = 0; y < height; y++)
                {
                    row.AsSpan(1).Clear();
                    for (var x = 0; x < width; x++)
                    {
                        if (((x / square) + (y / square)) % 2 == 0)
                        {
                            row[1 + (x / 8)] |= (byte)(0x80 >> (x % 8));
                        }
                    }

                    zlib.Write(row);
                }
            }

            WriteChunk(stream, "IDAT", compressed.ToArray());
        }

        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>
    /// A valid interlaced (Adam7) 1-bit greyscale PNG, <paramref name="width"/>x<paramref name="height"/> of white: as
    /// small on disk as <see cref="OneBitPng"/>, but no decoder can read it by rows, so making anything of it needs the
    /// whole image as 32-bit pixels (8000x8000: 256 MB).
    /// </summary>
    public static byte[] InterlacedOneBitPng(int width, int height)
    {
        using var stream = new MemoryStream();
        WriteGreyscaleHeader(stream, width, height, bitDepth: 1, interlaced: true);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                // The seven passes, each a reduced image of its own rows: (x0, y0, dx, dy).
                foreach (var (x0, y0, dx, dy) in new[] { (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2) })
                {
                    var passWidth = (width - x0 + dx - 1) / dx;
                    var passHeight = (height - y0 + dy - 1) / dy;
                    if (passWidth <= 0 || passHeight <= 0)
                    {
                        continue; // an empty pass has no rows, not even filter bytes
                    }

                    var row = new byte[1 + ((passWidth + 7) / 8)];
                    row.AsSpan(1).Fill(0xFF);
                    for (var y = 0; y < passHeight; y++)
                    {
                        zlib.Write(row);
                    }
                }
            }

            WriteChunk(stream, "IDAT", compressed.ToArray());
        }

        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>
    /// A valid baseline greyscale JPEG, <paramref name="width"/>x<paramref name="height"/> of flat mid-grey: every
    /// 8x8 block is two bits (a zero DC difference and end-of-block, each a one-bit Huffman code), so 10000x10000
    /// (100 MP) is about 390 KB on disk and 400 MB as 32-bit pixels.
    /// </summary>
    public static byte[] FlatJpeg(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0xFF, 0xD8]);
        var dqt = new byte[65];
        dqt.AsSpan(1).Fill(1);
        WriteSegment(stream, 0xDB, dqt);
        WriteSegment(stream, 0xC0, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]);
        var oneCode = new byte[18];
        oneCode[1] = 1; // one code of length 1, for symbol 0 (DC: difference 0; AC: end of block)
        WriteSegment(stream, 0xC4, oneCode);
        oneCode[0] = 0x10;
        WriteSegment(stream, 0xC4, oneCode);
        WriteSegment(stream, 0xDA, [1, 1, 0x00, 0, 63, 0]);
        var blocks = (long)((width + 7) / 8) * ((height + 7) / 8);
        var bits = blocks * 2;
        var data = new byte[(bits + 7) / 8];
        if (bits % 8 != 0)
        {
            data[^1] = (byte)(0xFF >> (int)(bits % 8)); // the last byte is padded with one-bits
        }

        stream.Write(data);
        stream.Write([0xFF, 0xD9]);
        return stream.ToArray();
    }

    /// <summary>
    /// A valid GIF with a <paramref name="width"/>x<paramref name="height"/> screen and <paramref name="frames"/>
    /// one-pixel frames: about 15 bytes a frame, while a decoder draws each into the whole 32-bit canvas.
    /// </summary>
    public static byte[] ManyFrameGif(int width, int height, int frames)
    {
        using var stream = new MemoryStream();
        stream.Write("GIF89a"u8);
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)width);
        stream.Write(two);
        BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)height);
        stream.Write(two);
        stream.Write([0x80, 0, 0]); // a global colour table of two entries
        stream.Write([0, 0, 0, 255, 255, 255]);
        for (var frame = 0; frame < frames; frame++)
        {
            stream.Write([0x21, 0xF9, 4, 0, 1, 0, 0, 0]); // graphic control: 10 ms
            stream.WriteByte(0x2C);
            BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)(frame % width));
            stream.Write(two);
            BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)(frame % height));
            stream.Write(two);
            stream.Write([1, 0, 1, 0, 0]); // 1x1, no local table
            stream.Write([2, 2, 0x44, 0x01, 0]); // LZW minimum code size 2: clear, index 0, end
        }

        stream.WriteByte(0x3B);
        return stream.ToArray();
    }

    private static void WriteSegment(Stream stream, byte marker, byte[] data)
    {
        stream.Write([0xFF, marker, (byte)((data.Length + 2) >> 8), (byte)(data.Length + 2)]);
        stream.Write(data);
    }

    /// <summary>The PNG signature and a greyscale IHDR (interlaced: Adam7).</summary>
    private static void WriteGreyscaleHeader(Stream stream, int width, int height, byte bitDepth, bool interlaced)
    {
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = 0; // greyscale
        ihdr[12] = interlaced ? (byte)1 : (byte)0;
        WriteChunk(stream, "IHDR", ihdr);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typeAndData));
        stream.Write(length);
    }

    // PNG's CRC-32 (ISO 3309), bit by bit: a few bytes per image, so no table is worth keeping.
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
