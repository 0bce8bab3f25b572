using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Presets;

/// <summary>
/// Named presets for the <c>p:</c> option, configuration section <c>Presets</c>:
/// <c>Presets:{name}</c> = an options segment, e.g. <c>"thumb": "w:200,h:200,fit:cover,q:70"</c>.
/// The control plane will distribute them later; the grammar stays this one.
/// </summary>
internal sealed class PresetOptions
{
    public const string SectionName = "Presets";

    public Dictionary<string, string> Definitions { get; } = new(StringComparer.Ordinal);
}

internal sealed class PresetOptionsValidator : IValidateOptions<PresetOptions>
{
    public ValidateOptionsResult Validate(string? name, PresetOptions options)
    {
        var errors = new List<string>();
        foreach (var (preset, segment) in options.Definitions)
        {
            if (!PresetResolver.IsValidName(preset))
            {
                errors.Add($"Presets:{preset}: a preset name is 1 to 32 characters of [a-z0-9-].");
                continue;
            }

            if (OptionsParser.ParsePreset(segment).Error is { } error)
            {
                errors.Add($"Presets:{preset}: {error.Detail}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
