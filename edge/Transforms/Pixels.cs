using EdgeImages.Edge.Http;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>Small helpers over Skia bitmaps shared by the steps. Every bitmap is RGBA 8888, premultiplied, sRGB.</summary>
internal static class Pixels
{
    public static SKImageInfo Info(PixelSize size) =>
        new(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul, SKColorSpace.CreateSrgb());

    public static PixelSize SizeOf(SKBitmap bitmap) => new(bitmap.Width, bitmap.Height);

    /// <summary>Allocates an uninitialised bitmap; failing to get the memory is reported as a size problem.</summary>
    public static SKBitmap Allocate(PixelSize size)
    {
        var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(Info(size)))
        {
            bitmap.Dispose();
            throw EdgeProblemException.TooLarge($"There is not enough memory for a {size} image.");
        }

        return bitmap;
    }

    /// <summary>A new bitmap cleared to <paramref name="background"/> and drawn on by <paramref name="draw"/>.</summary>
    public static SKBitmap Render(PixelSize size, SKColor background, Action<SKCanvas> draw)
    {
        var bitmap = Allocate(size);
        try
        {
            using var canvas = new SKCanvas(bitmap);
            canvas.Clear(background);
            draw(canvas);
            canvas.Flush();
            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    /// <summary>True when any pixel is not fully opaque: the pixels decide, not the codec's declared alpha type.</summary>
    public static bool HasTransparency(SKBitmap bitmap)
    {
        var span = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes, rowLength = bitmap.Width * 4;
        for (var y = 0; y < bitmap.Height; y++)
        {
            var row = span.Slice(y * rowBytes, rowLength);
            for (var i = 3; i < row.Length; i += 4)
            {
                if (row[i] != 255)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Rows at the bottom whose bytes are all zero: what Skia leaves (transparent black) where truncated
    /// input ended, so the decoded part of an incomplete image is the rest.
    /// </summary>
    public static int TrailingBlankRows(SKBitmap bitmap)
    {
        var span = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes, rowLength = bitmap.Width * 4;
        var blank = 0;
        for (var y = bitmap.Height - 1; y >= 0 && !span.Slice(y * rowBytes, rowLength).ContainsAnyExcept((byte)0); y--)
        {
            blank++;
        }

        return blank;
    }

    /// <summary>
    /// Applies one of the eight rotations/mirrors, named as EXIF names them (origin 6 is a quarter turn
    /// clockwise, 2 a horizontal mirror). Nearest sampling with whole-pixel offsets copies pixels exactly.
    /// </summary>
    public static SKBitmap Reorient(SKBitmap source, SKEncodedOrigin origin)
    {
        var size = SizeOf(source);
        var matrix = OrientationMatrix(origin, size);
        using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
        return Render(Geometry.Orient(size, origin), SKColors.Transparent, canvas =>
        {
            canvas.SetMatrix(matrix);
            canvas.DrawBitmap(source, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint);
        });
    }

    /// <summary>Maps stored coordinates (x, y) of a WxH image to upright ones.</summary>
    public static SKMatrix OrientationMatrix(SKEncodedOrigin origin, PixelSize stored)
    {
        float w = stored.Width, h = stored.Height;
        return origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
    }
}
