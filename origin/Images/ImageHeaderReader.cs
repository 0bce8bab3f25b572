using EdgeImages.Origin.Http;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace EdgeImages.Origin.Images;

/// <summary>What an upload's header says it is.</summary>
internal sealed record ImageHeader(string Format, string ContentType, int Width, int Height);

/// <summary>
/// Decides whether an upload is an image the edge can decode, from its header alone (SkiaSharp's codec reads the
/// first bytes; no pixels are decoded, so a 50 MiB upload costs microseconds here). The file name and the
/// request's Content-Type are not trusted. Width and height are as displayed: EXIF orientations that turn the
/// image (5 to 8) swap them, matching the sizes the edge's <c>w</c> and <c>h</c> refer to.
/// A body whose header is fine but whose pixel data is corrupt is stored; the edge answers 415 for it.
/// </summary>
internal sealed class ImageHeaderReader(IOptions<UploadOptions> options)
{
    private const int MaxSide = 65_535;

    public ImageHeader Read(Stream content)
    {
        using var stream = new SKManagedStream(content, disposeManagedStream: false);
        using var codec = SKCodec.Create(stream);
        if (codec is null)
        {
            throw OriginProblemException.Unsupported("The body is not an image that can be decoded (JPEG, PNG, GIF, WebP or BMP).");
        }

        var (format, contentType) = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => ("jpeg", "image/jpeg"),
            SKEncodedImageFormat.Png => ("png", "image/png"),
            SKEncodedImageFormat.Gif => ("gif", "image/gif"),
            SKEncodedImageFormat.Webp => ("webp", "image/webp"),
            SKEncodedImageFormat.Bmp => ("bmp", "image/bmp"),
            _ => throw OriginProblemException.Unsupported("Only JPEG, PNG, GIF, WebP and BMP originals are accepted."),
        };

        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide || (long)width * height > options.Value.MaxPixels)
        {
            throw OriginProblemException.Unsupported(
                $"The image declares an absurd size; at most {MaxSide} pixels a side and {options.Value.MaxPixels} pixels in all are accepted.");
        }

        if (codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom)
        {
            (width, height) = (height, width);
        }

        return new ImageHeader(format, contentType, width, height);
    }
}
