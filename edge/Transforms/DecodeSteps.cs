using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms.Jpeg;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>From bytes to a decoded, upright-sized plan: probe the header, plan the geometry, decode the pixels.</summary>
internal static class DecodeSteps
{
    private const string Undecodable = "The original is not an image the edge can decode.";

    /// <summary>Checks the byte and pixel limits from the header alone, before any pixel buffer exists.</summary>
    public static void Probe(TransformContext ctx)
    {
        if (ctx.Source.Length > ctx.Limits.MaxSourceBytes)
        {
            throw EdgeProblemException.TooLarge($"The original is larger than {ctx.Limits.MaxSourceBytes} bytes.");
        }

        var codec = (ctx.Source.IsEmpty ? null : ctx.OpenCodec()) ?? throw EdgeProblemException.Unsupported(Undecodable);
        var stored = new PixelSize(codec.Info.Width, codec.Info.Height);
        if (stored.Width <= 0 || stored.Height <= 0)
        {
            throw EdgeProblemException.Unsupported(Undecodable);
        }

        if (stored.Area > ctx.Limits.MaxSourcePixels)
        {
            throw EdgeProblemException.TooLarge(
                $"The original declares {stored} pixels, more than the {ctx.Limits.MaxSourcePixels} allowed.");
        }

        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && !JpegStructure.LooksIntact(ctx.Source.Span))
        {
            throw EdgeProblemException.Unsupported("The original is a corrupt JPEG.");
        }

        ctx.Origin = codec.EncodedOrigin is >= SKEncodedOrigin.TopLeft and <= SKEncodedOrigin.LeftBottom
            ? codec.EncodedOrigin
            : SKEncodedOrigin.TopLeft;
        ctx.Oriented = Geometry.Orient(stored, ctx.Origin);
    }

    /// <summary>Validates crop and output size and fixes every dimension the later steps produce.</summary>
    public static void Plan(TransformContext ctx)
    {
        var input = Geometry.Rotate(Geometry.Crop(ctx.Oriented, ctx.Options.Crop), ctx.Options.Rotate ?? 0);
        var plan = Geometry.PlanFit(input, ctx.Options);
        if (plan.Output.Area > ctx.Limits.MaxOutputPixels)
        {
            throw EdgeProblemException.BadRequest(
                $"The output would be {plan.Output} pixels, more than the {ctx.Limits.MaxOutputPixels} allowed.");
        }

        OutputLimits.Check(ctx, plan.Output);
        ctx.Plan = plan;
    }

    /// <summary>
    /// Decodes the first frame into sRGB (Skia converts ICC-tagged and CMYK sources), at the smallest
    /// scale the codec offers that still covers the planned size (shrink-on-load, see <see cref="DecodeSize"/>).
    /// Truncated input (<see cref="SKCodecResult.IncompleteInput"/>) is served, as browsers show it, when at
    /// least half the rows arrived (a progressive JPEG always qualifies: every pass covers the whole frame).
    /// Less than that is more hole than picture, and typical of a valid header followed by garbage, which
    /// decoders stop on within a few rows: a 415, so a broken file is never cached as a transformed one.
    /// Anything the decoder calls an error is a 415.
    /// </summary>
    public static void Decode(TransformContext ctx)
    {
        var codec = ctx.RequiredCodec;
        var needed = ctx.RequiredPlan.MinimumScale;
        var factor = StripDecoder.Factor(ctx, codec, needed);
        var full = new PixelSize(codec.Info.Width, codec.Info.Height);
        var eighths = 8;
        var size = factor > 1 ? StripDecoder.SizeFor(full, factor) : DecodeSize(ctx, codec, needed, out eighths);

        // Known from the header, before any buffer exists: refused (413) or shed (503) here rather than paged out later.
        ctx.Memory?.Require(ctx.Source.Length + MemoryCost(ctx, codec, size, factor));
        var bitmap = factor > 1 ? StripDecoder.Decode(ctx, codec, factor) : null;
        if (bitmap is null && factor > 1)
        {
            // The codec would not decode by rows after all: a whole decode, paid for in full.
            size = full;
            factor = 1;
            ctx.Memory?.Require(ctx.Source.Length + MemoryCost(ctx, codec, size, factor: 1));
        }

        // The native decoders hold nothing the budget does not already count: the output bitmap, and for a
        // progressive file the same whole-image coefficients Skia's libjpeg would (WholeImageBytesPerPixel).
        ctx.Replace(bitmap ?? NativeJpegDecode.TryDecode(ctx, codec, size) ?? DecodeWhole(codec, size));
        ctx.ShrunkOnLoad = size != full;

        // Strips and DCT scaling round the size up, their last row and column holding less than a whole pixel
        // (Coverage); libwebp's rescaler and a full decode map the picture onto every pixel.
        if (factor > 1)
        {
            ctx.Coverage = new Coverage(0, 0, (double)full.Width / factor, (double)full.Height / factor);
        }
        else if (eighths < 8 && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            ctx.Coverage = new Coverage(0, 0, full.Width * eighths / 8.0, full.Height * eighths / 8.0);
        }
    }

    /// <summary>
    /// What decoding to <paramref name="size"/> and transforming holds at its peak, besides the encoded source:
    /// the decoded bitmap and one successor of its size (orient, crop and rotate each draw a new one before the
    /// old goes), two bitmaps of the output size (the resize canvas, then flatten or encode), and what the
    /// decoder keeps for the whole image whatever the scale (see the README's table of costs per source pixel).
    /// </summary>
    internal static long MemoryCost(TransformContext ctx, SKCodec codec, PixelSize size, int factor)
    {
        var full = (long)codec.Info.Width * codec.Info.Height;
        var decoded = size.Area * 4;
        var output = ctx.RequiredPlan.Output.Area * 4;
        var decoder = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => (long)(full * JpegStructure.WholeImageBytesPerPixel(ctx.Source.Span)),
            // Lossless WebP decodes to a whole ARGB frame first; lossy with alpha keeps a whole alpha plane.
            SKEncodedImageFormat.Webp => IsLosslessWebp(ctx.Source.Span) ? full * 4 : full,
            _ => 0,
        };
        var strips = factor > 1 ? StripDecoder.WorkingBytes(ctx.Source.Span, new PixelSize(codec.Info.Width, codec.Info.Height), factor) : 0;
        return (2 * decoded) + (2 * output) + decoder + strips;
    }

    private static SKBitmap DecodeWhole(SKCodec codec, PixelSize size)
    {
        var bitmap = Pixels.Allocate(size);
        try
        {
            var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels(), bitmap.RowBytes, new SKCodecOptions(0));
            var acceptable = result == SKCodecResult.Success
                || (result == SKCodecResult.IncompleteInput && Pixels.TrailingBlankRows(bitmap) * 2 <= bitmap.Height);
            if (!acceptable)
            {
                throw EdgeProblemException.Unsupported(Undecodable);
            }

            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    // RIFF....WEBP then the first chunk: VP8L is lossless; VP8X (extended) may hold either, so it counts as lossless.
    private static bool IsLosslessWebp(ReadOnlySpan<byte> webp) =>
        webp.Length >= 16 && (webp[12..16].SequenceEqual("VP8L"u8) || webp[12..16].SequenceEqual("VP8X"u8));

    /// <summary>
    /// The smallest codec-supported size (eighths of full) whose scale is at least <paramref name="needed"/>
    /// and, with a crop, maps the crop's edges onto whole decoded pixels, so cropping after a reduced decode
    /// cuts exactly what a full decode would (a half-pixel error there shows as a visible shift).
    /// Only JPEG (DCT scaling, an area average) and still WebP (libwebp's averaging rescaler) qualify: GIF
    /// reports scaled sizes but gets there by point sampling, which aliases, and a scaled animated WebP frame
    /// comes out misplaced and wrongly blended (measured: mean error 17/255 against an area average).
    /// </summary>
    private static PixelSize DecodeSize(TransformContext ctx, SKCodec codec, double needed, out int eighths)
    {
        eighths = 8;
        var full = new PixelSize(codec.Info.Width, codec.Info.Height);
        var scalable = codec.EncodedFormat == SKEncodedImageFormat.Jpeg || (codec.EncodedFormat == SKEncodedImageFormat.Webp && codec.FrameCount <= 1);
        if (!ctx.Limits.ShrinkOnLoad || needed >= 1 || !scalable)
        {
            return full;
        }

        for (var n = 1; n < 8; n++)
        {
            var scaled = codec.GetScaledDimensions(n / 8f);
            var size = new PixelSize(scaled.Width, scaled.Height);
            if (size.Width >= Math.Ceiling(full.Width * needed) && size.Height >= Math.Ceiling(full.Height * needed)
                && size.Width <= full.Width && size.Height <= full.Height && CropAligned(ctx, size))
            {
                eighths = n;
                return size;
            }
        }

        return full;
    }

    internal static bool CropAligned(TransformContext ctx, PixelSize decoded)
    {
        if (ctx.Options.Crop is not { } c)
        {
            return true;
        }

        var oriented = Geometry.Orient(decoded, ctx.Origin);
        double rx = (double)oriented.Width / ctx.Oriented.Width, ry = (double)oriented.Height / ctx.Oriented.Height;
        return IsWhole(c.X * rx) && IsWhole((c.X + c.Width) * rx) && IsWhole(c.Y * ry) && IsWhole((c.Y + c.Height) * ry);
    }

    private static bool IsWhole(double value) => Math.Abs(value - Math.Round(value)) < 0.01;
}
