using System.Buffers.Binary;
using System.IO.Compression;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// A non-interlaced PNG read one row at a time into premultiplied RGBA, for <see cref="StripDecoder"/>: Skia's
/// PNG codec decodes only into a whole-image buffer (its scanline decoding answers Unimplemented). Only the plain
/// case is read here: no colour profile or gamma to apply, so the bytes are sRGB as Skia would leave them;
/// anything else (<see cref="TryOpen"/> returns null) is decoded whole by Skia and paid for in full.
/// </summary>
internal sealed class PngRows : IDisposable
{
    private readonly ZLibStream _inflate;
    private readonly int _width;
    private readonly int _colorType;
    private readonly int _bitDepth;
    private readonly int _bytesPerPixel;
    private readonly byte[] _palette;
    private readonly int[]? _transparentKey;
    private byte[] _previous;
    private byte[] _current;

    private PngRows(ZLibStream inflate, int width, int colorType, int bitDepth, byte[] palette, int[]? transparentKey)
    {
        _inflate = inflate;
        _width = width;
        _colorType = colorType;
        _bitDepth = bitDepth;
        _palette = palette;
        _transparentKey = transparentKey;
        var channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        _bytesPerPixel = Math.Max(1, channels * bitDepth / 8);
        var rowLength = 1 + (int)(((long)width * channels * bitDepth + 7) / 8);
        _previous = new byte[rowLength];
        _current = new byte[rowLength];
    }

    /// <summary>Bytes this reader holds: two raw rows and the compressed data it inflates from.</summary>
    public static long WorkingBytes(ReadOnlySpan<byte> png, int width) => png.Length + (2L * ((8L * width) + 1));

    /// <summary>A reader over <paramref name="png"/>, or null when it is not the plain case this reads.</summary>
    public static PngRows? TryOpen(ReadOnlyMemory<byte> png)
    {
        var span = png.Span;
        if (span.Length < 33 || span[28] != 0)
        {
            return null; // too short, or interlaced
        }

        int width = BinaryPrimitives.ReadInt32BigEndian(span[16..]), bitDepth = span[24], colorType = span[25];
        var valid = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => false,
        };
        if (!valid || width <= 0)
        {
            return null;
        }

        var palette = new byte[256 * 4];
        for (var i = 0; i < 256; i++)
        {
            palette[(i * 4) + 3] = 255;
        }

        int[]? key = null;
        var compressed = new MemoryStream();
        var offset = 8;
        while (offset + 12 <= span.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            if (length < 0 || offset + 12L + length > span.Length)
            {
                break; // truncated: inflate what arrived
            }

            var type = span.Slice(offset + 4, 4);
            var data = span.Slice(offset + 8, length);
            if (type.SequenceEqual("iCCP"u8) || type.SequenceEqual("cHRM"u8)
                || (type.SequenceEqual("gAMA"u8) && (length != 4 || BinaryPrimitives.ReadUInt32BigEndian(data) != 45455)))
            {
                compressed.Dispose();
                return null; // a colour conversion Skia would apply
            }

            if (type.SequenceEqual("PLTE"u8))
            {
                for (var i = 0; i < Math.Min(256, length / 3); i++)
                {
                    data.Slice(i * 3, 3).CopyTo(palette.AsSpan(i * 4));
                }
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                if (colorType == 3)
                {
                    for (var i = 0; i < Math.Min(256, length); i++)
                    {
                        palette[(i * 4) + 3] = data[i];
                    }
                }
                else if (colorType == 0 && length >= 2)
                {
                    key = [BinaryPrimitives.ReadUInt16BigEndian(data)];
                }
                else if (colorType == 2 && length >= 6)
                {
                    key = [BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]), BinaryPrimitives.ReadUInt16BigEndian(data[4..])];
                }
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                compressed.Write(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                break;
            }

            offset += 12 + length;
        }

        compressed.Position = 0;
        return new PngRows(new ZLibStream(compressed, CompressionMode.Decompress), width, colorType, bitDepth, palette, key);
    }

    /// <summary>Reads the next row into <paramref name="rgba"/> (premultiplied RGBA); false when the data ends or is corrupt.</summary>
    public bool TryReadRow(Span<byte> rgba)
    {
        (_previous, _current) = (_current, _previous);
        try
        {
            if (_inflate.ReadAtLeast(_current, _current.Length, throwOnEndOfStream: false) < _current.Length)
            {
                return false;
            }
        }
        catch (InvalidDataException)
        {
            return false;
        }

        if (!Unfilter(_current[0], _current.AsSpan(1), _previous.AsSpan(1), _bytesPerPixel))
        {
            return false;
        }

        Expand(_current.AsSpan(1), rgba);
        return true;
    }

    private static bool Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> above, int bpp)
    {
        switch (filter)
        {
            case 0:
                return true;
            case 1:
                for (var i = bpp; i < row.Length; i++)
                {
                    row[i] += row[i - bpp];
                }

                return true;
            case 2:
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] += above[i];
                }

                return true;
            case 3:
                for (var i = 0; i < row.Length; i++)
                {
                    var left = i >= bpp ? row[i - bpp] : 0;
                    row[i] += (byte)((left + above[i]) / 2);
                }

                return true;
            case 4:
                for (var i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0, b = above[i], c = i >= bpp ? above[i - bpp] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }

                return true;
            default:
                return false;
        }
    }

    private void Expand(ReadOnlySpan<byte> row, Span<byte> rgba)
    {
        for (var x = 0; x < _width; x++)
        {
            int r, g, b, a = 255;
            switch (_colorType)
            {
                case 0:
                    var grey = Sample(row, x);
                    a = _transparentKey is [var k] && grey == k ? 0 : 255;
                    r = g = b = Scale(grey);
                    break;
                case 3:
                    var index = Sample(row, x) * 4;
                    (r, g, b, a) = (_palette[index], _palette[index + 1], _palette[index + 2], _palette[index + 3]);
                    break;
                case 2:
                    int sr = Wide(row, (x * 3) + 0), sg = Wide(row, (x * 3) + 1), sb = Wide(row, (x * 3) + 2);
                    a = _transparentKey is [var kr, var kg, var kb] && sr == kr && sg == kg && sb == kb ? 0 : 255;
                    (r, g, b) = (Scale(sr), Scale(sg), Scale(sb));
                    break;
                case 4:
                    r = g = b = Scale(Wide(row, x * 2));
                    a = Scale(Wide(row, (x * 2) + 1));
                    break;
                default:
                    (r, g, b, a) = (Scale(Wide(row, x * 4)), Scale(Wide(row, (x * 4) + 1)), Scale(Wide(row, (x * 4) + 2)), Scale(Wide(row, (x * 4) + 3)));
                    break;
            }

            var pixel = rgba.Slice(x * 4, 4);
            pixel[0] = (byte)(((r * a) + 127) / 255);
            pixel[1] = (byte)(((g * a) + 127) / 255);
            pixel[2] = (byte)(((b * a) + 127) / 255);
            pixel[3] = (byte)a;
        }
    }

    // The x-th sample of a packed row of 1, 2, 4, 8 or 16 bits.
    private int Sample(ReadOnlySpan<byte> row, int x) => _bitDepth switch
    {
        8 => row[x],
        16 => BinaryPrimitives.ReadUInt16BigEndian(row[(x * 2)..]),
        _ => (row[x * _bitDepth / 8] >> (8 - _bitDepth - (x * _bitDepth % 8))) & ((1 << _bitDepth) - 1),
    };

    // The i-th 8- or 16-bit channel value.
    private int Wide(ReadOnlySpan<byte> row, int i) => _bitDepth == 16 ? BinaryPrimitives.ReadUInt16BigEndian(row[(i * 2)..]) : row[i];

    private int Scale(int value) => _bitDepth switch
    {
        8 => value,
        16 => ((value * 255) + 32767) / 65535,
        _ => value * 255 / ((1 << _bitDepth) - 1),
    };

    public void Dispose() => _inflate.Dispose();
}
