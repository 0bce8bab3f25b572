using System.Net;
using System.Threading.RateLimiting;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Tenants;
using EdgeImages.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.RateLimiting;

internal static class RateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// A token bucket per client address in front of the image path (health, metrics and the demo page are not
    /// limited). It runs before the signature is checked, so a flood of garbage URLs is cut off cheaply.
    /// Rejections become a problem+json 429 with <c>Retry-After</c> through the one error writer.
    /// </summary>
    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ClientRateLimitOptions>>((limiter, options) =>
        {
            var limits = options.Value;
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.PerClientBurst,
                TokensPerPeriod = limits.PerClientPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                // The partitioned limiter replenishes its buckets on its own timer, as GetTokenBucketLimiter arranges.
                AutoReplenishment = false,
            };
            // Made once: GetTokenBucketLimiter with a factory makes two closures on every request, and every hit pays this.
            Func<IPAddress, RateLimiter> newBucket = _ => new TokenBucketRateLimiter(bucket);
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
                limits.PerClientPerSecond == 0 || !IsImageRequest(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter(IPAddress.None)
                    : RateLimitPartition.Get(context.Connection.RemoteIpAddress ?? IPAddress.None, newBucket));
            limiter.OnRejected = (rejected, _) =>
            {
                rejected.HttpContext.RequestServices.GetRequiredService<EdgeMetrics>().RateLimited();
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                throw new EdgeProblemException(429, "Too many requests", "This client is over its request rate; slow down.", retryAfter);
            };
        });
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

    // Probes and scrapes come from a handful of addresses every few seconds; a limit there would blind monitoring.
    private static bool IsImageRequest(PathString path) =>
        path != "/" && path != "/favicon.ico" && path != "/healthz" && path != "/readyz" && path != "/metrics";
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
