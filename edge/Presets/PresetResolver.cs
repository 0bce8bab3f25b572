using EdgeImages.Edge.Http;
using EdgeImages.Edge.Tenants;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Presets;

/// <summary>Expands <c>p:{name}</c>: the preset's options, overridden by whatever the URL itself says.</summary>
internal sealed class PresetResolver(IOptions<PresetOptions> options)
{
    private readonly Dictionary<string, TransformOptions> _presets = options.Value.Definitions.ToDictionary(
        pair => pair.Key,
        pair => OptionsParser.Parse(pair.Value).Value!,
        StringComparer.Ordinal);

    public static bool IsValidName(string name) =>
        name.Length is >= 1 and <= 32 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>
    /// The options in force. The result no longer names the preset, so the cache key is the expanded
    /// options: a URL written out in full shares the entry, and a changed preset cannot serve stale output.
    /// </summary>
    /// <remarks>The tenant's own presets win over the edge-wide ones of the same name.</remarks>
    public TransformOptions Resolve(TransformOptions url, TenantSettings tenant)
    {
        if (url.Preset is not { } name)
        {
            return url;
        }

        TransformOptions? preset = null;
        if (tenant.Presets.TryGetValue(name, out var tenantPreset))
        {
            var parsed = OptionsParser.Parse(tenantPreset);
            preset = parsed.IsSuccess ? parsed.Value : throw EdgeProblemException.BadRequest($"Preset '{name}' of this tenant is invalid.");
        }
        else if (_presets.TryGetValue(name, out var shared))
        {
            preset = shared;
        }

        if (preset is null)
        {
            throw EdgeProblemException.BadRequest($"Unknown preset '{name}'.");
        }

        return url with
        {
            Preset = null,
            Width = url.Width ?? preset.Width,
            Height = url.Height ?? preset.Height,
            Dpr = url.Dpr ?? preset.Dpr,
            Fit = url.Fit ?? preset.Fit,
            Gravity = url.Gravity ?? preset.Gravity,
            Crop = url.Crop ?? preset.Crop,
            Rotate = url.Rotate ?? preset.Rotate,
            Flip = url.Flip ?? preset.Flip,
            Blur = url.Blur ?? preset.Blur,
            Sharpen = url.Sharpen ?? preset.Sharpen,
            Quality = url.Quality ?? preset.Quality,
            Format = url.Format ?? preset.Format,
            Background = url.Background ?? preset.Background,
            Upscale = url.Upscale ?? preset.Upscale,
        };
    }
}
