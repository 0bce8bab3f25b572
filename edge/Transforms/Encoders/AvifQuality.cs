namespace EdgeImages.Edge.Transforms.Encoders;

/// <summary>
/// Maps the URL's <c>q</c> (1..100, the scale JPEG and WebP use) onto libheif's AVIF quality, which libaom turns
/// into the AV1 quantiser linearly (quality 100 is quantiser 0, quality 0 is 63). The same number on both scales
/// does not look the same: AVIF at quality 80 is far larger than it needs to be to match JPEG at 80. The map makes
/// one <c>q</c> mean about the same PSNR whichever format <c>f:auto</c> picks (measured on the benchmark photos, see
/// loadtests/README.md), so a site tunes <c>q</c> once. PSNR is the conservative choice: it rewards AVIF's
/// smoothing less than the eye does, so the map errs towards more bytes, never towards visible loss.
/// </summary>
internal static class AvifQuality
{
    // (URL q, libheif quality) at equal PSNR; straight lines between them. Measured with
    // `EdgeImages.Benchmarks --formats --curve`; the ends are pinned (1 is the worst either way, 100 near-lossless).
    private static readonly (int Url, int Avif)[] Points = [(1, 1), (50, 42), (65, 49), (80, 64), (90, 83), (100, 100)];

    /// <summary>The AVIF quality when the URL has no <c>q</c>: what the JPEG/WebP default of 80 maps to.</summary>
    public const int Default = 64;

    public static int FromUrl(int? q) => q is { } value ? Map(value) : Default;

    internal static int Map(int q)
    {
        q = Math.Clamp(q, 1, 100);
        for (var i = 1; i < Points.Length; i++)
        {
            var (x1, y1) = Points[i];
            if (q <= x1)
            {
                var (x0, y0) = Points[i - 1];
                return y0 + (int)Math.Round((double)(q - x0) * (y1 - y0) / (x1 - x0));
            }
        }

        return Points[^1].Avif;
    }
}
