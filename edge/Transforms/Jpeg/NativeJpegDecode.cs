using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Jpeg;

/// <summary>
/// The JPEG branch of the decode step: a native decode (<see cref="NativeJpeg"/>) of what Skia would have produced,
/// or null for Skia to decode. Native decoding only takes files whose pixels need no colour management, so
/// Skia's sRGB conversion (ICC profiles other than sRGB, CMYK and YCCK) keeps deciding those.
/// </summary>
internal static class NativeJpegDecode
{
    /// <summary>
    /// Decodes <paramref name="ctx"/>'s JPEG at <paramref name="size"/> (full size or one of the codec's n/8 sizes),
    /// or returns null: not a JPEG, colour-managed, no native decoder, or the native decoder found anything wrong.
    /// </summary>
    public static SKBitmap? TryDecode(TransformContext ctx, SKCodec codec, PixelSize size)
    {
        var native = ctx.Jpeg;
        if (codec.EncodedFormat != SKEncodedImageFormat.Jpeg || !native.HasTurboJpeg
            || codec.Info.ColorSpace is { IsSrgb: false } || codec.FrameCount > 1)
        {
            return null;
        }

        var source = ctx.Source.Span;
        var frame = JpegStructure.ReadFrame(source);
        if (frame.Components is not (1 or 3))
        {
            return null;
        }

        var full = new PixelSize(codec.Info.Width, codec.Info.Height);
        var eighth = new PixelSize((full.Width + 7) / 8, (full.Height + 7) / 8);
        var bitmap = Pixels.Allocate(size);
        try
        {
            var pixels = bitmap.GetPixelSpan();
            var decoded = frame.Progressive && size == eighth && native.HasDcOnly
                ? native.TryDecodeDcOnly(source, pixels, size.Width, size.Height, bitmap.RowBytes)
                : native.TryDecode(source, pixels, size.Width, size.Height, bitmap.RowBytes);
            if (decoded)
            {
                var result = bitmap;
                bitmap = null;
                return result;
            }

            return null;
        }
        finally
        {
            bitmap?.Dispose();
        }
    }
}
