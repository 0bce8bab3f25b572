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
        pair => OptionsParser.ParsePreset(pair.Value).Value!,
        StringComparer.Ordinal);

    public static bool IsValidName(string name) => Identifier.IsValid(name, Identifier.MaxPresetLength);

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
            // The rule the edge-wide presets are held to at start-up: transformation options only. Parse alone would
            // take '-', exp, v or p and the merge would drop them silently (a preset meant to expire URLs would not).
            var parsed = OptionsParser.ParsePreset(tenantPreset);
            preset = parsed.IsSuccess
                ? parsed.Value
                : throw EdgeProblemException.BadRequest($"Preset '{name}' of this tenant is invalid: {parsed.Error!.Detail}.");
        }
        else if (_presets.TryGetValue(name, out var shared))
        {
            preset = shared;
        }

        if (preset is null)
        {
            throw EdgeProblemException.BadRequest($"Unknown preset '{name}'.");
        }

        // Each side was read alone; together they may break a rule across options (the URL's dpr times the preset's w).
        var merged = url.WithPreset(preset);
        return OptionsParser.CheckTogether(merged) is { } error ? throw EdgeProblemException.BadRequest(error.Detail) : merged;
    }
}
