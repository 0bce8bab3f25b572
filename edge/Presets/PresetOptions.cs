using System.ComponentModel.DataAnnotations;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Presets;

/// <summary>
/// Named presets for the <c>p:</c> option, configuration section <c>Presets</c>:
/// <c>Presets:{name}</c> = an options segment, e.g. <c>"thumb": "w:200,h:200,fit:cover,q:70"</c>.
/// The control plane will distribute them later; the grammar stays this one.
/// </summary>
internal sealed class PresetOptions : IValidatableObject
{
    public const string SectionName = "Presets";

    public Dictionary<string, string> Definitions { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The presets are the section's keys, which no attribute reaches: each name must be an id, and each segment must
    /// parse as the URL's options do (the parser is the rule, not a copy of it). Each problem names its preset.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (preset, segment) in Definitions)
        {
            if (!PresetResolver.IsValidName(preset))
            {
                yield return new ValidationResult($"Presets:{preset}: a preset name is 1 to {Identifier.MaxPresetLength} characters of {Identifier.Characters}.", [nameof(Definitions)]);
            }
            else if (OptionsParser.ParsePreset(segment).Error is { } error)
            {
                yield return new ValidationResult($"Presets:{preset}: {error.Detail}.", [nameof(Definitions)]);
            }
        }
    }
}

/// <summary>Source-generated; the rules are <see cref="PresetOptions.Validate"/>.</summary>
[OptionsValidator]
internal sealed partial class PresetOptionsValidator : IValidateOptions<PresetOptions>;

