using System.Buffers;
using System.Text.Json;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Metadata;

/// <summary>
/// The steps of <c>f:json</c> that an image does not have: the geometry is planned as for the image, then shrunk to the
/// placeholder's size, so that the same decode, orient, crop and resize steps make a tiny copy of the result (decoded
/// small where the codec allows, and reserved from the budget at that size); the source is measured on the way.
/// </summary>
internal static class InfoSteps
{
    /// <summary>
    /// The placeholder's long side: within the contract's 32, and small enough that its data: URI (a few hundred bytes)
    /// costs a page little per image. The browser scales it up smoothly, which the blur below makes look intended.
    /// </summary>
    internal const int PlaceholderSide = 24;

    // Gaussian sigma in placeholder pixels: shapes and colours stay, detail (and with it bytes) goes.
    private const float PlaceholderBlur = 1.2f;
    private const int PlaceholderQuality = 50;

    /// <summary>
    /// Keeps the image's planned output size for the answer, then replans the same fit at placeholder size with the
    /// same geometry code: cover and contain keep their framing in a box of the output's shape, the rest fill it.
    /// </summary>
    public static void PlanPlaceholder(TransformContext ctx)
    {
        var plan = ctx.RequiredPlan;
        ctx.Info = new SourceFacts { Output = plan.Output };
        var k = Math.Min(1.0, (double)PlaceholderSide / Math.Max(plan.Output.Width, plan.Output.Height));
        if (k >= 1)
        {
            return;
        }

        var box = new TransformOptions
        {
            Width = Math.Max(1, (int)Math.Round(plan.Output.Width * k)),
            Height = Math.Max(1, (int)Math.Round(plan.Output.Height * k)),
            Fit = plan.Fit is FitMode.Cover or FitMode.Contain ? plan.Fit : FitMode.Fill,
            Upscale = true,
        };
        ctx.Plan = Geometry.PlanFit(plan.Input, box);
    }

    /// <summary>Dominant colour and transparency of the decoded source (the first frame), before any geometry.</summary>
    public static void MeasureSource(TransformContext ctx)
    {
        var facts = RequiredFacts(ctx);
        facts.DominantColor = DominantColor.Of(ctx.Image);
        facts.HasAlpha = ctx.RequiredCodec.Info.AlphaType != SKAlphaType.Opaque && Pixels.HasTransparency(ctx.Image);
    }

    /// <summary>Blurs the tiny result and encodes it as lossy WebP (alpha kept), as a <c>data:</c> URI.</summary>
    public static void EncodePlaceholder(TransformContext ctx)
    {
        using var blur = SKImageFilter.CreateBlur(PlaceholderBlur, PlaceholderBlur, SKShaderTileMode.Clamp);
        using var paint = new SKPaint { BlendMode = SKBlendMode.Src, ImageFilter = blur };
        var image = ctx.Image;
        ctx.Replace(Pixels.Render(Pixels.SizeOf(image), SKColors.Transparent, canvas =>
            canvas.DrawBitmap(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint)));

        // As OutputSteps.Encode: without a colour space Skia writes no ICC chunk, and the pixels are sRGB already.
        using var pixmap = ctx.Image.PeekPixels();
        using var bare = new SKPixmap(pixmap.Info.WithColorSpace(null), pixmap.GetPixels(), pixmap.RowBytes);
        using var webp = bare.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, PlaceholderQuality))
            ?? throw new InvalidOperationException($"Skia could not encode a {Pixels.SizeOf(ctx.Image)} placeholder.");
        RequiredFacts(ctx).Placeholder = "data:image/webp;base64," + Convert.ToBase64String(webp.AsSpan());
    }

    /// <summary>The answer, in the contract's field order.</summary>
    public static void WriteJson(TransformContext ctx)
    {
        var facts = RequiredFacts(ctx);
        var codec = ctx.RequiredCodec;
        var frames = Math.Max(1, codec.FrameCount);
        var buffer = new ArrayBufferWriter<byte>(512 + facts.Placeholder.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("width", ctx.Oriented.Width);
            json.WriteNumber("height", ctx.Oriented.Height);
            json.WriteString("format", FormatName(codec.EncodedFormat));
            json.WriteBoolean("hasAlpha", facts.HasAlpha);
            json.WriteBoolean("animated", frames > 1);
            json.WriteNumber("frames", frames);
            json.WriteNumber("bytes", ctx.Source.Length);
            json.WriteString("dominantColor", facts.DominantColor);
            json.WriteStartObject("output");
            json.WriteNumber("width", facts.Output.Width);
            json.WriteNumber("height", facts.Output.Height);
            json.WriteEndObject();
            json.WriteString("placeholder", facts.Placeholder);
            json.WriteEndObject();
        }

        ctx.Format = ImageFormat.Json;
        ctx.Encoded = buffer.WrittenSpan.ToArray();
    }

    /// <summary>The source format as the URL contract spells formats (<c>jpeg</c>, not <c>Jpeg</c>).</summary>
    internal static string FormatName(SKEncodedImageFormat format) => format switch
    {
        SKEncodedImageFormat.Jpeg => "jpeg",
        SKEncodedImageFormat.Png => "png",
        SKEncodedImageFormat.Webp => "webp",
        SKEncodedImageFormat.Gif => "gif",
        SKEncodedImageFormat.Bmp => "bmp",
        SKEncodedImageFormat.Avif => "avif",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static SourceFacts RequiredFacts(TransformContext ctx) =>
        ctx.Info ?? throw new InvalidOperationException("The placeholder has not been planned yet.");
}
