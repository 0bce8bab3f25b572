using EdgeImages.Sdk.Signing;

namespace EdgeImages.Edge.Demo;

/// <summary>
/// What the demo page at <c>/</c> shows: the sample originals of tenant <c>demo</c> under transformations side by
/// side, so a newcomer sees the whole contract working in a browser. The page (Index.cshtml) renders each with the
/// SDK's <c>&lt;img edge-src&gt;</c> tag helper, signed with the edge's active key.
/// </summary>
internal static class DemoGallery
{
    public const string Tenant = "demo";

    public static readonly IReadOnlyList<(string Title, string Path, string[] Options)> Rows =
    [
        ("Fit: how a 3:2 photo fills a 240×240 box", "photos/flower.jpg",
            ["w:240,h:240,fit:cover", "w:240,h:240,fit:contain,bg:1e293b", "w:240,h:240,fit:fill", "w:240,h:240,fit:inside", "w:240,h:240,fit:outside"]),
        ("Gravity: where cover keeps a portrait photo cut to a wide box", "photos/rose.jpg",
            ["w:320,h:140,g:center", "w:320,h:140,g:n", "w:320,h:140,g:s", "w:320,h:140,g:smart", "w:320,h:140,g:fp:0.5:0.8"]),
        ("Gravity on a landscape cut to a narrow box", "photos/lake.webp",
            ["w:120,h:240,g:w", "w:120,h:240,g:center", "w:120,h:240,g:e", "w:120,h:240,g:smart", "w:120,h:240,g:fp:0.15:0.5"]),
        ("Crop (source pixels), then resize", "photos/flower.jpg",
            ["crop:0:0:1134:756,w:240", "crop:800:400:600:600,w:240", "crop:1500:200:700:1000,w:160"]),
        ("Rotation and flips, after EXIF auto-orientation (this source is stored sideways, orientation 6)", "photos/rotated-exif-6.jpg",
            ["w:240", "w:240,rot:90", "w:240,rot:180", "w:240,flip:h", "w:240,flip:v", "w:240,rot:270,flip:hv"]),
        ("Blur and sharpen (sigma in output pixels)", "photos/rose.jpg",
            ["w:200", "w:200,blur:2", "w:200,blur:8", "w:200,sharpen:1", "w:200,sharpen:3"]),
        ("Formats and quality", "photos/lake.webp",
            ["w:240,f:jpeg,q:10", "w:240,f:jpeg,q:80", "w:240,f:webp,q:80", "w:240,f:png", "w:240,f:auto"]),
        ("Transparency: kept in PNG and WebP, flattened onto bg for JPEG", "graphics/cutout.png",
            ["w:200,f:png", "w:200,f:webp", "w:200,f:jpeg", "w:200,f:jpeg,bg:fde68a", "w:200,h:120,fit:contain,bg:0ea5e980,f:png"]),
        ("Colour: a Display P3 original converted to sRGB, and the original untouched (-)", "photos/display-p3.jpg",
            ["w:200", "-"]),
        ("Animation: a GIF kept animated (gif, webp, auto: WebP where the browser takes it), or its first frame (anim:0, png, jpeg)", "graphics/squares.gif",
            ["w:80,f:gif", "w:80,f:webp,rot:90", "w:80", "w:80,anim:0", "w:80,f:png", "w:80,f:jpeg,bg:ffffff"]),
        ("Watermarks: the demo tenant's own (its transparent cutout), at se, centred at 35 % opacity, and in another format", "photos/lake.webp",
            ["w:240,wm:badge", "w:240,wm:ghost", "w:240,wm:badge,f:webp"]),
        ("Device pixel ratio: 160 CSS pixels at 1x, 2x and 3x (shown at the same size)", "photos/flower.jpg",
            ["w:160", "w:160,dpr:2", "w:160,dpr:3"]),
    ];

    /// <summary>
    /// What URL format 1.1 added, side by side at the top of the page: AVIF, an animation kept (the animated GIF as
    /// animated WebP), a watermark of the demo tenant, and (rendered apart, from <c>f:json</c>) a placeholder.
    /// </summary>
    public static readonly IReadOnlyList<(string Caption, string Path, string Options)> NewIn11 =
    [
        ("AVIF (a browser that cannot decode it shows nothing here)", "photos/flower.jpg", "w:240,h:160,f:avif"),
        ("an animated GIF, resized, as animated WebP", "graphics/squares.gif", "w:160,f:webp"),
    ];

    /// <summary>The watermark tile's options, shown when the demo tenant defines <see cref="WatermarkName"/>.</summary>
    public const string WatermarkOptions = "w:240,h:160," + "wm:" + WatermarkName;

    /// <summary>The demo tenant's watermark shown beside the other 1.1 features (appsettings.Development.json).</summary>
    public const string WatermarkName = "badge";

    /// <summary>The photo whose placeholder is shown, alone and under the image.</summary>
    public const string PlaceholderPath = "photos/rose.jpg";

    /// <summary>Whether the demo tenant defines the watermark the 1.1 row shows; without it the tile is left out.</summary>
    public static bool HasWatermark(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[$"Tenants:{Tenant}:Watermarks:{WatermarkName}:Path"]);

    /// <summary>
    /// The tenants the active key is bound to when <see cref="Tenant"/> is not one of them, or null when it may sign the
    /// page (or there is no such key, which the page tells apart). The page says so instead of failing on its first
    /// image: an edge configured for its own tenants alone is a normal set-up, not a broken one.
    /// </summary>
    public static KeyTenants? UnboundTenants(string? activeKey, ISigningKeyProvider keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return activeKey is not null && keys.TryGetKey(activeKey, out var key) && !key.Tenants.Allows(Tenant) ? key.Tenants : null;
    }

    /// <summary>The tag helper's source attribute: <c>{tenant}/{path}</c>.</summary>
    public static string Source(string path) => $"{Tenant}/{path}";
}
