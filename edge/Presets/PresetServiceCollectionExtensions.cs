using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Presets;

internal static class PresetServiceCollectionExtensions
{
    /// <summary>
    /// The edge-wide presets (<c>Presets:{name}</c> = an options segment), validated at start-up, and the resolver
    /// that expands <c>p:</c> with the tenant's own presets first.
    /// </summary>
    public static IServiceCollection AddPresets(this IServiceCollection services)
    {
        // Bound by hand: preset names are the keys, and the binder would need a wrapper property around them.
        services.AddOptions<PresetOptions>()
            .Configure<IConfiguration>((presets, configuration) =>
            {
                foreach (var preset in configuration.GetSection(PresetOptions.SectionName).GetChildren())
                {
                    presets.Definitions[preset.Key] = preset.Value ?? "";
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PresetOptions>, PresetOptionsValidator>();
        services.AddSingleton<PresetResolver>();
        return services;
    }
}
