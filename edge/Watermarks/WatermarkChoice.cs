using EdgeImages.Edge.Http;
using EdgeImages.Edge.Tenants;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Watermarks;

/// <summary>
/// Which of the tenant's watermarks a request gets, from its options (after presets) and the tenant's settings: the one
/// <c>wm</c> names, else the tenant's default, else none. Pure, and a 400 for what the tenant does not allow.
/// </summary>
internal static class WatermarkChoice
{
    public static TenantWatermark? Choose(TransformOptions options, TenantSettings tenant)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tenant);
        if (options.IsPassThrough)
        {
            // '-' is the original as stored: a watermark cannot be drawn on it, so a tenant that wants every image
            // marked refuses it outright rather than let one URL serve its originals bare.
            return tenant.RefusePassThrough
                ? throw EdgeProblemException.BadRequest("This tenant does not serve originals untouched ('-'); ask for a transformation.")
                : null;
        }

        switch (options.Watermark)
        {
            case TransformOptions.NoWatermark when tenant.WatermarkRequired:
                throw EdgeProblemException.BadRequest("This tenant's watermark is required; 'wm:none' is not allowed.");
            case TransformOptions.NoWatermark:
                return null;
            case { } name:
                return tenant.Watermarks.TryGetValue(name, out var named)
                    ? named
                    : throw EdgeProblemException.BadRequest($"This tenant has no watermark named '{name}'.");
            default:
                return tenant.DefaultWatermark is { } fallback && tenant.Watermarks.TryGetValue(fallback, out var byDefault) ? byDefault : null;
        }
    }
}
