using Microsoft.Extensions.DependencyInjection.Extensions;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Edge.Transforms.Jpeg;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>Registers the transformer, its limits and the libvips set-up in one place.</summary>
internal static class TransformsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="TransformLimits"/> from the <c>Transforms</c> section and validates it at start-up,
    /// so a bad limit stops the edge instead of surfacing on the first large image.
    /// </summary>
    public static IServiceCollection AddTransforms(this IServiceCollection services)
    {
        services.AddOptions<TransformLimits>().BindConfiguration(TransformLimits.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TransformLimits>, TransformLimitsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => NativeJpeg.Default);
        services.TryAddSingleton(_ => NativeWebp.Default);
        services.TryAddSingleton<ImageTransformer>();
        services.AddOptions<MemoryBudgetOptions>().BindConfiguration(TransformLimits.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemoryBudgetOptions>, MemoryBudgetOptionsValidator>());
        services.TryAddSingleton<MemoryBudget>();
        services.AddHostedService<NativeAllocatorTuning>();
        services.AddHostedService<VipsStartup>();
        services.AddHostedService<NativeJpegStartup>();
        services.AddHostedService<NativeWebpStartup>();
        return services;
    }
}
