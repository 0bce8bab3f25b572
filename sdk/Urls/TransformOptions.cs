namespace EdgeImages.Sdk.Urls;

/// <summary>How the output box is filled, as CSS <c>object-fit</c>.</summary>
public enum FitMode
{
    /// <summary>Scale to cover the box, then crop the overflow at the gravity.</summary>
    Cover,
    /// <summary>Scale to fit within the box and letterbox with the background.</summary>
    Contain,
    /// <summary>Stretch to the box, ignoring the aspect ratio.</summary>
    Fill,
    /// <summary>Scale to fit within the box; the output may be smaller on one side.</summary>
    Inside,
    /// <summary>Scale to cover the box without cropping; the output may be larger on one side.</summary>
    Outside,
}

/// <summary>Where <see cref="FitMode.Cover"/> keeps the image.</summary>
public enum GravityKind
{
    /// <summary>The middle of the image.</summary>
    Center,
    /// <summary>Top edge.</summary>
    North,
    /// <summary>Bottom edge.</summary>
    South,
    /// <summary>Right edge.</summary>
    East,
    /// <summary>Left edge.</summary>
    West,
    /// <summary>Top-right corner.</summary>
    NorthEast,
    /// <summary>Top-left corner.</summary>
    NorthWest,
    /// <summary>Bottom-right corner.</summary>
    SouthEast,
    /// <summary>Bottom-left corner.</summary>
    SouthWest,
    /// <summary>The most salient region, found by a heuristic on the pixels.</summary>
    Smart,
    /// <summary>A focal point given as fractions of width and height.</summary>
    FocalPoint,
}

/// <summary>A gravity; <see cref="X"/> and <see cref="Y"/> (0..1) matter only for <see cref="GravityKind.FocalPoint"/>.</summary>
public readonly record struct Gravity(GravityKind Kind, double X = 0.5, double Y = 0.5)
{
    /// <summary>The default gravity.</summary>
    public static Gravity Center => new(GravityKind.Center);
}

/// <summary>A rectangle in source pixels, after orientation.</summary>
public readonly record struct CropRect(int X, int Y, int Width, int Height);

/// <summary>Mirroring applied after rotation.</summary>
[Flags]
public enum FlipMode
{
    /// <summary>No mirroring.</summary>
    None = 0,
    /// <summary>Mirror left to right.</summary>
    Horizontal = 1,
    /// <summary>Mirror top to bottom.</summary>
    Vertical = 2,
    /// <summary>Both, which equals a 180° rotation.</summary>
    Both = Horizontal | Vertical,
}

/// <summary>The encoded format of a response.</summary>
public enum ImageFormat
{
    /// <summary>Negotiated from <c>Accept</c> and the result's transparency.</summary>
    Auto,
    /// <summary>JPEG.</summary>
    Jpeg,
    /// <summary>PNG.</summary>
    Png,
    /// <summary>WebP.</summary>
    Webp,
    /// <summary>AVIF (AV1 still image).</summary>
    Avif,
    /// <summary>GIF: 256 colours, one bit of transparency.</summary>
    Gif,
    /// <summary>Not an image: the source's metadata and a placeholder, as <c>application/json</c>.</summary>
    Json,
}

/// <summary>An 8-bit sRGB colour with alpha.</summary>
public readonly record struct RgbaColor(byte R, byte G, byte B, byte A = 255)
{
    /// <summary>White, used when flattening transparency into JPEG without a <c>bg</c>.</summary>
    public static RgbaColor White => new(255, 255, 255);

    /// <summary>Fully transparent black.</summary>
    public static RgbaColor Transparent => new(0, 0, 0, 0);
}

/// <summary>
/// The parsed options segment of an image URL (URL format version 1). Values are already range-checked;
/// a value left <c>null</c> was not given in the URL.
/// </summary>
public sealed record TransformOptions
{
    // Every option's value in one struct, so that the descriptors (UrlOptions) reach them without naming properties;
    // the properties below are the public face. Written only by init accessors and the constructor.
    private OptionValues _values;

    /// <summary>Options with nothing set; set them with an object initializer.</summary>
    public TransformOptions()
    {
    }

    internal TransformOptions(OptionValues values) => _values = values;

    /// <summary>No transformation: the original bytes, the <c>-</c> options segment.</summary>
    public static TransformOptions PassThrough { get; } = new() { IsPassThrough = true };

    /// <summary>
    /// Reads an options segment as written in a URL, e.g. <c>w:400,h:300,fit:cover</c>, or <c>-</c> for the original,
    /// with exactly the rules the edge applies. For code and configuration that hold options as text.
    /// </summary>
    /// <param name="text">The options segment.</param>
    /// <exception cref="FormatException">The text breaks a rule; the message is the detail the edge would answer with.</exception>
    public static TransformOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = OptionsParser.Parse(text);
        return result.IsSuccess ? result.Value : throw new FormatException(result.Error!.Detail);
    }

    /// <summary>Every option's value, for the descriptors.</summary>
    internal OptionValues Values => _values;

    /// <summary>True for the <c>-</c> options segment.</summary>
    public bool IsPassThrough { get; init; }

    /// <summary><c>w</c>: output width in CSS pixels, 1 to 8192.</summary>
    public int? Width { get => _values.Width; init => _values.Width = value; }

    /// <summary><c>h</c>: output height in CSS pixels, 1 to 8192.</summary>
    public int? Height { get => _values.Height; init => _values.Height = value; }

    /// <summary><c>dpr</c>: 1 to 4 with at most two decimals.</summary>
    public double? Dpr { get => _values.Dpr; init => _values.Dpr = value; }

    /// <summary><c>fit</c>, when given; see <see cref="EffectiveFit"/>.</summary>
    public FitMode? Fit { get => _values.Fit; init => _values.Fit = value; }

    /// <summary><c>g</c>, when given.</summary>
    public Gravity? Gravity { get => _values.Gravity; init => _values.Gravity = value; }

    /// <summary><c>crop</c>: a rectangle cut from the oriented source before resizing.</summary>
    public CropRect? Crop { get => _values.Crop; init => _values.Crop = value; }

    /// <summary><c>rot</c>: 0, 90, 180 or 270 degrees clockwise.</summary>
    public int? Rotate { get => _values.Rotate; init => _values.Rotate = value; }

    /// <summary><c>flip</c>.</summary>
    public FlipMode? Flip { get => _values.Flip; init => _values.Flip = value; }

    /// <summary><c>blur</c>: Gaussian sigma in output pixels, 0.3 to 100.</summary>
    public double? Blur { get => _values.Blur; init => _values.Blur = value; }

    /// <summary><c>sharpen</c>: unsharp-mask sigma in output pixels, 0.3 to 10.</summary>
    public double? Sharpen { get => _values.Sharpen; init => _values.Sharpen = value; }

    /// <summary><c>q</c>: encoder quality, 1 to 100.</summary>
    public int? Quality { get => _values.Quality; init => _values.Quality = value; }

    /// <summary><c>f</c>.</summary>
    public ImageFormat? Format { get => _values.Format; init => _values.Format = value; }

    /// <summary><c>bg</c>.</summary>
    public RgbaColor? Background { get => _values.Background; init => _values.Background = value; }

    /// <summary><c>up</c>: allow enlarging beyond the source's size.</summary>
    public bool? Upscale { get => _values.Upscale; init => _values.Upscale = value; }

    /// <summary><c>exp</c>: unix seconds after which the URL is refused.</summary>
    public long? ExpiresAt { get => _values.ExpiresAt; init => _values.ExpiresAt = value; }

    /// <summary><c>v</c>: a pinned source version.</summary>
    public string? Version { get => _values.Version; init => _values.Version = value; }

    /// <summary><c>p</c>: a preset name.</summary>
    public string? Preset { get => _values.Preset; init => _values.Preset = value; }

    /// <summary><c>anim</c>: keep an animated source animated (the default) or take its first frame.</summary>
    public bool? Animate { get => _values.Animate; init => _values.Animate = value; }

    /// <summary><c>wm</c>: a watermark of the tenant by name, or <see cref="NoWatermark"/>.</summary>
    public string? Watermark { get => _values.Watermark; init => _values.Watermark = value; }

    /// <summary>The <c>wm</c> value that leaves out the tenant's default watermark.</summary>
    public const string NoWatermark = "none";

    /// <summary>
    /// The options in force when a URL names a preset: every transformation option this URL leaves out is taken from
    /// <paramref name="preset"/>; <c>v</c> and <c>exp</c> stay this URL's, and the result no longer names the preset.
    /// </summary>
    /// <param name="preset">The preset's options.</param>
    public TransformOptions WithPreset(TransformOptions preset)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var values = _values;
        var fallback = preset._values;
        foreach (var option in UrlOptions.All)
        {
            if (option.Role == OptionRole.Transform)
            {
                option.Inherit(ref values, ref fallback);
            }
        }

        UrlOptions.Preset.Clear(ref values);
        return new TransformOptions(values) { IsPassThrough = IsPassThrough };
    }

    /// <summary>The fit in force: the given one, else cover when both sides are given, else inside.</summary>
    public FitMode EffectiveFit => Fit ?? (Width is not null && Height is not null ? FitMode.Cover : FitMode.Inside);

    /// <summary>The device pixel ratio in force.</summary>
    public double EffectiveDpr => Dpr ?? 1;

    /// <summary>The gravity in force.</summary>
    public Gravity EffectiveGravity => Gravity ?? Urls.Gravity.Center;

    /// <summary>The output format asked for (<see cref="ImageFormat.Auto"/> by default).</summary>
    public ImageFormat EffectiveFormat => Format ?? ImageFormat.Auto;

    /// <summary>Whether an animated source stays animated where the output format can animate.</summary>
    public bool EffectiveAnimate => Animate ?? true;
}
