using EdgeImages.Edge.Transforms.Animation;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Edge.Transforms.Jpeg;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// From the final pixels to bytes: pick the format, flatten what it cannot carry, encode without metadata. Skia
/// writes JPEG, PNG and WebP; libvips (<see cref="VipsEncoder"/>) writes what Skia cannot, AVIF and GIF, and every kept animation (<see cref="AnimationEncoder"/>).
/// </summary>
internal static class OutputSteps
{
    private const int DefaultQuality = 80;

    /// <summary>
    /// Resolves <c>f:auto</c>: for a kept animation WebP or GIF (<see cref="AnimationSteps.ChooseFormat"/>); else AVIF when
    /// the client names it, else WebP when it names that, else PNG when any pixel is not opaque (the pixels decide: a
    /// PNG with an alpha channel that is all 255 still becomes JPEG), else JPEG. A format whose side limit the output
    /// passes is skipped for the next (<see cref="OutputLimits"/>); PNG holds the widest, so it is the last resort.
    /// </summary>
    public static void ChooseFormat(TransformContext ctx) =>
        ctx.Format = ctx.Options.EffectiveFormat switch
        {
            ImageFormat.Auto when ctx.Animation is not null => AnimationSteps.ChooseFormat(ctx),
            ImageFormat.Auto when ctx.Accepted.Avif && OutputLimits.Holds(ImageFormat.Avif, ctx.RequiredPlan.Output) => ImageFormat.Avif,
            ImageFormat.Auto when ctx.Accepted.Webp && OutputLimits.Holds(ImageFormat.Webp, ctx.RequiredPlan.Output) => ImageFormat.Webp,
            ImageFormat.Auto => Pixels.HasTransparency(ctx.Image) || !OutputLimits.Holds(ImageFormat.Jpeg, ctx.RequiredPlan.Output) ? ImageFormat.Png : ImageFormat.Jpeg,
            var format => format,
        };

    /// <summary>JPEG has no alpha: draw onto <c>bg</c> (itself over white when it is translucent).</summary>
    public static void Flatten(TransformContext ctx)
    {
        if (ctx.Format != ImageFormat.Jpeg || !Pixels.HasTransparency(ctx.Image))
        {
            return;
        }

        var image = ctx.Image;
        var background = GeometrySteps.ToSkia(ctx.Options.Background ?? RgbaColor.White);
        using var paint = new SKPaint { BlendMode = SKBlendMode.SrcOver };
        ctx.Replace(Pixels.Render(Pixels.SizeOf(image), SKColors.White, canvas =>
        {
            canvas.DrawColor(background, SKBlendMode.SrcOver);
            canvas.DrawBitmap(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint);
        }));
    }

    /// <summary>
    /// Encodes. AVIF and GIF go to libvips, which gets the pixels as plain sRGB bytes without a profile. JPEG goes to
    /// the native shim when it is loaded (<see cref="NativeJpeg.TryEncode"/>): progressive with optimised Huffman tables,
    /// as ipx has sharp write it, measured 2.5 % smaller than Skia's baseline at the same quality and PSNR, and
    /// libjpeg-turbo's SIMD makes it no slower. WebP goes to the shim on the system's libwebp when it is loaded
    /// (<see cref="NativeWebp"/>): Skia's bytes for opaque pictures and libvips' settings with alpha, for about three
    /// quarters of their CPU (loadtests/README.md). Without the shim, WebP with transparent pixels goes to libvips, at
    /// sharp's effort (3 % smaller than Skia's), and opaque WebP to Skia. The rest is Skia, from a pixmap whose colour
    /// space is removed: the pixels are already sRGB, and without a colour space Skia's encoders write no ICC profile (no APP2, no iCCP, no ICCP chunk); they never write EXIF/XMP.
    /// </summary>
    public static void Encode(TransformContext ctx)
    {
        if (ctx.Animation is { } frames)
        {
            ctx.Encoded = AnimationEncoder.Encode(frames, ctx.Format, ctx.Options.Quality ?? DefaultQuality);
            return;
        }

        var image = ctx.Image;
        var alpha = ctx.Format == ImageFormat.Webp && Pixels.HasTransparency(image);
        ReserveEncoder(ctx, image, alpha);
        var quality = ctx.Options.Quality ?? DefaultQuality;
        switch (ctx.Format)
        {
            case ImageFormat.Webp when ctx.Webp.TryEncode(image, quality, alpha) is { } webp:
                ctx.Encoded = webp;
                return;
            case ImageFormat.Webp when alpha:
                ctx.Encoded = VipsEncoder.EncodeWebpWithAlpha(image, ctx.Options.Quality ?? DefaultQuality);
                return;
            case ImageFormat.Avif:
                ctx.Encoded = VipsEncoder.EncodeAvif(image, AvifQuality.FromUrl(ctx.Options.Quality));
                return;
            case ImageFormat.Gif:
                ctx.Encoded = VipsEncoder.EncodeGif(image);
                return;
        }

        if (ctx.Format == ImageFormat.Jpeg && image.ColorType == SKColorType.Rgba8888
            && ctx.Jpeg.TryEncode(image.GetPixelSpan(), image.Width, image.Height, image.RowBytes, quality, progressive: true) is { } jpeg)
        {
            // Flatten left every pixel opaque, so premultiplied RGBA is plain RGB here.
            ctx.Encoded = jpeg;
            return;
        }

        using var pixmap = image.PeekPixels();
        using var bare = new SKPixmap(pixmap.Info.WithColorSpace(null), pixmap.GetPixels(), pixmap.RowBytes);
        using var data = ctx.Format switch
        {
            ImageFormat.Jpeg => bare.Encode(new SKJpegEncoderOptions(quality)),
            ImageFormat.Png => bare.Encode(SKPngEncoderOptions.Default),
            ImageFormat.Webp => bare.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, quality)),
            _ => null,
        };
        ctx.Encoded = data?.ToArray() ?? throw new InvalidOperationException($"Skia could not encode a {Pixels.SizeOf(image)} image as {ctx.Format}.");
    }

    /// <summary>
    /// libvips' working memory, from the budget, before it is touched: by now the decoder's buffers are gone, so what is
    /// held is the original, this bitmap and the encoder's work (413 beyond the whole budget, 503 when it cannot be spared).
    /// </summary>
    private static void ReserveEncoder(TransformContext ctx, SKBitmap image, bool alpha)
    {
        var working = EncoderMemory.WorkingBytes(ctx.Format, Pixels.SizeOf(image).Area, alpha);
        if (working > 0)
        {
            ctx.Memory?.Require(ctx.Source.Length + image.ByteCount + working);
        }
    }
}
