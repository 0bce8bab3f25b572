using EdgeImages.Edge.Http;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Shrink-on-load for PNG, which has no scaled decode of its own: rows are decoded a block at a time and
/// averaged, f×f source pixels to one, straight into the reduced bitmap. A 64 MP 1-bit PNG asked for as a
/// thumbnail then costs a few rows and the small bitmap instead of a 256 MB canvas. An area average is what
/// the JPEG and WebP scaled decoders do too, so the resize that follows sees the same kind of input.
/// Only non-interlaced PNG without a colour profile or gamma qualifies (<see cref="PngRows"/>): Skia decodes PNG
/// only into a whole-image buffer, and an interlaced (Adam7) one cannot be read by rows at all.
/// </summary>
internal static class StripDecoder
{
    // 64x64 blocks keep the column sums well inside 32 bits and the block of rows small; a thumbnail that needs
    // more than 64x less is resized the rest of the way by the resize step, from a bitmap already 4096x smaller.
    private const int MaxFactor = 64;

    /// <summary>
    /// The largest whole factor f (2 or more) by which <paramref name="codec"/>'s image can be reduced while still
    /// covering <paramref name="needed"/> of its size; 1 when strips do not apply.
    /// </summary>
    public static int Factor(TransformContext ctx, SKCodec codec, double needed)
    {
        if (!ctx.Limits.ShrinkOnLoad || needed >= 0.5 || codec.EncodedFormat != SKEncodedImageFormat.Png || IsInterlacedPng(ctx.Source.Span))
        {
            return 1;
        }

        // At most half the reduction: the Lanczos step after it then has a factor of two or more to filter what an odd
        // box lets through (a 3x3 average of a 1-px checkerboard alternates by 1/9 of its contrast, and a Lanczos of
        // 1.003:1 that maps the strips' area exactly passes that pattern on), as libvips leaves its Lanczos (its gap).
        var full = new PixelSize(codec.Info.Width, codec.Info.Height);
        for (var factor = (int)Math.Min(MaxFactor, Math.Floor(1 / (2 * needed))); factor >= 2; factor--)
        {
            var size = SizeFor(full, factor);
            if (size.Width >= Math.Ceiling(full.Width * needed) && size.Height >= Math.Ceiling(full.Height * needed) && DecodeSteps.CropAligned(ctx, size))
            {
                return factor;
            }
        }

        return 1;
    }

    public static PixelSize SizeFor(PixelSize full, int factor) =>
        new((full.Width + factor - 1) / factor, (full.Height + factor - 1) / factor);

    /// <summary>Bytes the decode holds besides the reduced bitmap: the PNG reader's, one block of rows and its column sums.</summary>
    public static long WorkingBytes(ReadOnlySpan<byte> source, PixelSize full, int factor) =>
        PngRows.WorkingBytes(source, full.Width) + ((long)full.Width * 4 * factor) + ((long)full.Width * 4 * sizeof(uint));

    /// <summary>
    /// Decodes into a bitmap <see cref="SizeFor"/> the factor, or null when the PNG is not one
    /// <see cref="PngRows"/> reads (the caller then decodes whole). Truncation follows the whole decode's rule:
    /// served when at least half the rows arrived (the rest transparent), else 415.
    /// </summary>
    public static SKBitmap? Decode(TransformContext ctx, SKCodec codec, int factor)
    {
        using var rows = PngRows.TryOpen(ctx.Source);
        if (rows is null)
        {
            return null;
        }

        var full = new PixelSize(codec.Info.Width, codec.Info.Height);
        var size = SizeFor(full, factor);
        var bitmap = Pixels.Allocate(size);
        try
        {
            var rowBytes = full.Width * 4;
            var block = new byte[rowBytes * factor];
            var sums = new uint[rowBytes];
            var decodedRows = 0;
            var ended = false;
            for (var y = 0; y < size.Height; y++)
            {
                ctx.CancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(factor, full.Height - (y * factor));
                for (var r = 0; r < count; r++)
                {
                    var row = block.AsSpan(r * rowBytes, rowBytes);
                    ended = ended || !rows.TryReadRow(row);
                    if (ended)
                    {
                        // Where the data stops the rest is transparent black, as Skia leaves a truncated image.
                        row.Clear();
                    }
                    else
                    {
                        decodedRows++;
                    }
                }

                Average(block, count, rowBytes, factor, full.Width, sums, bitmap.GetPixelSpan().Slice(y * bitmap.RowBytes, size.Width * 4));
            }

            if (decodedRows * 2 < full.Height)
            {
                throw EdgeProblemException.Unsupported("The original is not an image the edge can decode.");
            }

            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    /// <summary>One output row: each output pixel the rounded mean of its block of up to f×f premultiplied pixels.</summary>
    private static void Average(byte[] block, int rows, int rowBytes, int factor, int width, uint[] sums, Span<byte> output)
    {
        Array.Clear(sums);
        for (var r = 0; r < rows; r++)
        {
            var row = block.AsSpan(r * rowBytes, rowBytes);
            for (var i = 0; i < row.Length; i++)
            {
                sums[i] += row[i];
            }
        }

        var outputWidth = output.Length / 4;
        for (var x = 0; x < outputWidth; x++)
        {
            var first = x * factor;
            var columns = Math.Min(factor, width - first);
            uint r0 = 0, g0 = 0, b0 = 0, a0 = 0;
            for (int c = 0, i = first * 4; c < columns; c++, i += 4)
            {
                r0 += sums[i];
                g0 += sums[i + 1];
                b0 += sums[i + 2];
                a0 += sums[i + 3];
            }

            var count = (uint)(columns * rows);
            var half = count / 2;
            output[x * 4] = (byte)((r0 + half) / count);
            output[(x * 4) + 1] = (byte)((g0 + half) / count);
            output[(x * 4) + 2] = (byte)((b0 + half) / count);
            output[(x * 4) + 3] = (byte)((a0 + half) / count);
        }
    }

    // IHDR's interlace method is the 13th byte of its data: signature (8) + length (4) + type (4) + 12.
    private static bool IsInterlacedPng(ReadOnlySpan<byte> png) => png.Length > 28 && png[28] != 0;
}
