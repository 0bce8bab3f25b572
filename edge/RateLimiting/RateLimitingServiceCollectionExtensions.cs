using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tenants;
using EdgeImages.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.RateLimiting;

internal static class RateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// A token bucket per client address in front of the image path (<see cref="ClientRateLimiter"/>, applied by
    /// <see cref="ClientRateLimitMiddleware"/>).
    /// </summary>
    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton<ClientRateLimiter>();
        return services;
    }

    /// <summary>
    /// The client address the per-client limit keys on: the connection's peer, or, behind a load balancer listed in
    /// <c>ForwardedHeaders</c>, the client that balancer names in <c>X-Forwarded-For</c> (see <see cref="ForwardedHeadersSettings"/>).
    /// </summary>
    public static IServiceCollection AddClientAddress(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ForwardedHeadersSettings, ForwardedHeadersSettingsValidator>(configuration, ForwardedHeadersSettings.SectionName);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((forwarded, settings) => settings.Value.ApplyTo(forwarded));
        return services;
    }
}

internal static class TenantRateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// Per-tenant quotas: a local bucket always, and the region's shared bucket in Redis when the edge has a
    /// Redis connection (<c>Caching:Redis</c>). Applied by the image request handler once the signature has verified.
    /// </summary>
    public static IServiceCollection AddTenantRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TenantRateLimitOptions, TenantRateLimitOptionsValidator>(configuration, ClientRateLimitOptions.SectionName);
        RegionalTenantRateLimiter.AddPipeline(services);
        // The regional bucket exists only with Redis; it is made here rather than registered, so that a
        // container validated at build finds nothing it cannot make. The tenant limiter owns and disposes it.
        services.AddSingleton(provider => new TenantRateLimiter(
            provider.GetRequiredService<ITenantSettingsProvider>(),
            provider.GetService<RedisConnection>() is null ? null : ActivatorUtilities.CreateInstance<RegionalTenantRateLimiter>(provider)));
        return services;
    }
}
