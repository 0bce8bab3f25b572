using System.Buffers.Binary;
using NetVips;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms.Animation;

/// <summary>A frame of a hand-written GIF: a rectangle of one palette colour, its delay and its disposal.</summary>
/// <param name="Disposal">GIF disposal method: 1 keep, 2 restore to background, 3 restore to previous.</param>
internal sealed record GifFrame(int X, int Y, int Width, int Height, int Colour, int DelayCentiseconds, int Disposal);

/// <summary>
/// Small animated fixtures made in code (no binaries committed), and an independent reader for outputs: Skia
/// decodes every frame with no prior frame, so it composites each from scratch rather than by the edge's plan.
/// </summary>
internal static class Animations
{
    /// <summary>The palette of <see cref="Gif"/>: 0 red, 1 green, 2 blue, 3 white.</summary>
    public static readonly SKColor[] Palette = [SKColors.Red, new SKColor(0, 255, 0), SKColors.Blue, SKColors.White];

    /// <summary>
    /// A GIF89a with exactly the frames, disposals and delays given: the disposal methods are the point, and no
    /// encoder lets a caller choose them. <paramref name="loops"/> is the NETSCAPE repetition count (0: for ever),
    /// null for no NETSCAPE block. Pixel data is LZW with a clear code before every pixel, so codes stay 3 bits.
    /// </summary>
    public static byte[] Gif(int width, int height, IReadOnlyList<GifFrame> frames, int? loops = 0)
    {
        using var stream = new MemoryStream();
        stream.Write("GIF89a"u8);
        WriteUInt16(stream, width);
        WriteUInt16(stream, height);
        stream.Write([0x81, 0, 0]); // global colour table of 4 entries, background index 0
        foreach (var colour in Palette)
        {
            stream.Write([colour.Red, colour.Green, colour.Blue]);
        }

        if (loops is { } count)
        {
            stream.Write([0x21, 0xFF, 11]);
            stream.Write("NETSCAPE2.0"u8);
            stream.Write([3, 1]);
            WriteUInt16(stream, count);
            stream.WriteByte(0);
        }

        foreach (var frame in frames)
        {
            stream.Write([0x21, 0xF9, 4, (byte)(frame.Disposal << 2)]);
            WriteUInt16(stream, frame.DelayCentiseconds);
            stream.Write([0, 0]);
            stream.WriteByte(0x2C);
            WriteUInt16(stream, frame.X);
            WriteUInt16(stream, frame.Y);
            WriteUInt16(stream, frame.Width);
            WriteUInt16(stream, frame.Height);
            stream.WriteByte(0); // no local colour table, not interlaced
            stream.WriteByte(2); // LZW minimum code size: codes are 3 bits, clear 4, end 5
            WriteSubBlocks(stream, Lzw(frame.Width * frame.Height, frame.Colour));
        }

        stream.WriteByte(0x3B);
        return stream.ToArray();
    }

    /// <summary>
    /// An animated WebP (lossless, so colours stay exact) or GIF written by libvips: frames of solid colours with the
    /// given delays in milliseconds and <paramref name="loop"/> as libvips counts it (plays; 0 for ever).
    /// </summary>
    public static byte[] Solid(string format, int width, int height, IReadOnlyList<SKColor> colours, IReadOnlyList<int> delays, int loop)
    {
        var pixels = new byte[width * height * 4 * colours.Count];
        for (var i = 0; i < pixels.Length; i += 4)
        {
            var c = colours[i / (width * height * 4)];
            (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]) = (c.Red, c.Green, c.Blue, c.Alpha);
        }

        using var tall = Image.NewFromMemoryCopy(pixels, width, height * colours.Count, 4, Enums.BandFormat.Uchar);
        using var image = tall.Copy(interpretation: Enums.Interpretation.Srgb).Mutate(m =>
        {
            m.Set(GValue.GIntType, "page-height", height);
            m.Set(GValue.ArrayIntType, "delay", delays.ToArray());
            m.Set(GValue.GIntType, "loop", loop);
        });
        return format == "webp" ? image.WebpsaveBuffer(lossless: true) : image.GifsaveBuffer();
    }

    /// <summary>What an encoded animation says, read by Skia: frames composited as a player shows them.</summary>
    public static Decoded Read(byte[] encoded)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(encoded)) ?? throw new InvalidOperationException("output does not decode");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, SKColorSpace.CreateSrgb());
        var frames = new List<SKBitmap>();
        var count = Math.Max(1, codec.FrameCount);
        for (var i = 0; i < count; i++)
        {
            var bitmap = new SKBitmap(info);
            bitmap.Erase(SKColors.Transparent);
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(i)));
            frames.Add(bitmap);
        }

        return new Decoded(codec.EncodedFormat, frames, [.. codec.FrameInfo.Select(f => f.Duration)], codec.RepetitionCount);
    }

    private static byte[] Lzw(int pixels, int colour)
    {
        var bits = new List<bool>();
        void Code(int code)
        {
            for (var b = 0; b < 3; b++)
            {
                bits.Add(((code >> b) & 1) != 0);
            }
        }

        for (var i = 0; i < pixels; i++)
        {
            Code(4);
            Code(colour);
        }

        Code(5);
        var bytes = new byte[(bits.Count + 7) / 8];
        for (var i = 0; i < bits.Count; i++)
        {
            if (bits[i])
            {
                bytes[i / 8] |= (byte)(1 << (i % 8));
            }
        }

        return bytes;
    }

    private static void WriteSubBlocks(Stream stream, byte[] data)
    {
        for (var offset = 0; offset < data.Length; offset += 255)
        {
            var length = Math.Min(255, data.Length - offset);
            stream.WriteByte((byte)length);
            stream.Write(data, offset, length);
        }

        stream.WriteByte(0);
    }

    private static void WriteUInt16(Stream stream, int value)
    {
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)value);
        stream.Write(two);
    }

    /// <summary>A decoded animation; dispose to free its frames.</summary>
    internal sealed record Decoded(SKEncodedImageFormat Format, IReadOnlyList<SKBitmap> Frames, IReadOnlyList<int> Delays, int Repetitions) : IDisposable
    {
        /// <summary>The index of the frame a player shows <paramref name="milliseconds"/> into the first play.</summary>
        public int IndexAt(int milliseconds)
        {
            var end = 0;
            for (var i = 0; i < Frames.Count; i++)
            {
                end += Delays[i];
                if (milliseconds < end)
                {
                    return i;
                }
            }

            return Frames.Count - 1;
        }

        public void Dispose()
        {
            foreach (var frame in Frames)
            {
                frame.Dispose();
            }
        }
    }
}
