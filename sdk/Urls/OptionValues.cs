namespace EdgeImages.Sdk.Urls;

/// <summary>
/// The value of every option, null when not given: the storage behind <see cref="TransformOptions"/>. A mutable struct
/// so that parsing, validation and the preset merge fill one in place through the descriptors
/// (<see cref="UrlOption"/>) and allocate a <see cref="TransformOptions"/> only at the end.
/// </summary>
internal record struct OptionValues
{
    public int? Width;
    public int? Height;
    public double? Dpr;
    public FitMode? Fit;
    public Gravity? Gravity;
    public CropRect? Crop;
    public int? Rotate;
    public FlipMode? Flip;
    public double? Blur;
    public double? Sharpen;
    public int? Quality;
    public ImageFormat? Format;
    public RgbaColor? Background;
    public bool? Upscale;
    public long? ExpiresAt;
    public string? Version;
    public string? Preset;
    public bool? Animate;
    public string? Watermark;
}
