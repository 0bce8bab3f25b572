using EdgeImages.Sdk.AspNetCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the EdgeImages URL signer and the services the <c>&lt;img edge-src&gt;</c> tag helper needs.</summary>
public static class EdgeImagesServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="EdgeImageUrls"/>, <see cref="EdgeImageInfoClient"/> and their options, validated at start-up. Also add the tag helper to your views:
    /// <c>@addTagHelper *, EdgeImages.Sdk.AspNetCore</c> in <c>_ViewImports.cshtml</c>.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configure">Sets the base URL and key; may be null when configured through the returned builder,
    /// e.g. <c>.BindConfiguration("EdgeImages")</c>.</param>
    /// <returns>The options builder, to bind or configure further.</returns>
    public static OptionsBuilder<EdgeImageUrlOptions> AddEdgeImages(this IServiceCollection services, Action<EdgeImageUrlOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<EdgeImageUrlOptions>().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeImageUrlOptions>, EdgeImageUrlOptionsValidator>());
        services.TryAddSingleton<EdgeImageUrls>();

        // f:json for edge-placeholder and edge-measure: a named client (handlers managed by the factory) in one
        // singleton that holds the answers.
        services.AddHttpClient(EdgeImageInfoClient.HttpClientName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EdgeImageInfoClient>();
        return builder;
    }
}
