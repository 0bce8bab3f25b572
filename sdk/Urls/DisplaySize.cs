namespace EdgeImages.Sdk.Urls;

/// <summary>
/// The CSS size an <c>&lt;img&gt;</c> should declare (its <c>width</c> and <c>height</c> attributes) for a
/// transformation, so the browser reserves the right box before the image arrives. Only what follows from the options
/// and the sizes given is returned: a side that depends on the original's unknown size is left null.
/// </summary>
/// <remarks>
/// Sizes are in CSS pixels, before <c>dpr</c>. The <c>up:0</c> rule (the edge never enlarges) is not applied: it
/// lowers the pixel density of a small original, not the layout box the page asked for, and the aspect ratio is the
/// same either way. Rounding is half away from zero, as in the edge's geometry.
/// </remarks>
public static class DisplaySize
{
    /// <summary>Computes the declared size.</summary>
    /// <param name="options">The transformation.</param>
    /// <param name="sourceWidth">The original's width after EXIF orientation, when the page knows it.</param>
    /// <param name="sourceHeight">The original's height after EXIF orientation, when the page knows it.</param>
    /// <returns>Width and height, either of which may be null when it cannot be known.</returns>
    public static (int? Width, int? Height) Compute(TransformOptions options, int? sourceWidth = null, int? sourceHeight = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var source = sourceWidth is > 0 && sourceHeight is > 0 ? (sourceWidth.Value, sourceHeight.Value) : ((int, int)?)null;
        if (options.IsPassThrough)
        {
            return source is var (sw, sh) ? (sw, sh) : (null, null);
        }

        var fit = options.EffectiveFit;
        if (options is { Width: { } bw, Height: { } bh } && fit is FitMode.Cover or FitMode.Contain or FitMode.Fill)
        {
            return (bw, bh);
        }

        // The input of the resize: the crop rectangle when there is one (its size is known without the original),
        // else the original; a quarter turn swaps its sides.
        var input = options.Crop is { } crop ? (crop.Width, crop.Height) : source;
        if (input is var (iw0, ih0) && options.Rotate is 90 or 270)
        {
            input = (ih0, iw0);
        }

        if (input is not var (iw, ih))
        {
            return (options.Height is null ? options.Width : null, options.Width is null ? options.Height : null);
        }

        switch (options.Width, options.Height)
        {
            case ({ } w, { } h):
                var s = fit == FitMode.Inside ? Math.Min((double)w / iw, (double)h / ih) : Math.Max((double)w / iw, (double)h / ih);
                return (Round(iw * s), Round(ih * s));
            case ({ } w, null):
                return (w, Round((double)w * ih / iw));
            case (null, { } h):
                return (Round((double)h * iw / ih), h);
            default:
                return (iw, ih);
        }
    }

    private static int Round(double value) => Math.Max(1, (int)Math.Min(OptionsParser.MaxSide * 4, Math.Round(value, MidpointRounding.AwayFromZero)));
}
