using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tenants;
using EdgeImages.Etcd;
using EdgeImages.Hosting;
using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.ControlPlane;

internal static class ControlPlaneServiceCollectionExtensions
{
    /// <summary>
    /// Signing keys and tenant settings come from <see cref="ControlPlaneState"/>: the configured ones (<c>Signing:Keys</c>,
    /// <c>Tenants</c>) merged with the control plane's when <c>ControlPlane:Etcd</c> is set, the configured ones alone
    /// otherwise. Registration, configuration sync and purge application run only when the link is on.
    /// </summary>
    public static WebApplicationBuilder AddControlPlane(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ControlPlaneOptions, ControlPlaneOptionsValidator>(builder.Configuration, ControlPlaneOptions.SectionName);
        services.AddSingleton<ConfiguredTenantSettings>();
        services.AddOptions<ConfiguredTenants>()
            .Configure<IConfiguration>((tenants, configuration) => tenants.Section = configuration.GetSection(ConfiguredTenantSettings.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConfiguredTenants>, ConfiguredTenantsValidator>();
        services.AddSingleton<ControlPlaneState>();
        services.AddSingleton<ISigningKeyProvider>(provider => provider.GetRequiredService<ControlPlaneState>());
        services.AddSingleton<ITenantSettingsProvider>(provider => provider.GetRequiredService<ControlPlaneState>());

        var etcd = builder.Configuration[$"{ControlPlaneOptions.SectionName}:{nameof(ControlPlaneOptions.Etcd)}"];
        if (!string.IsNullOrWhiteSpace(etcd))
        {
            services.AddSingleton(provider =>
            {
                var options = provider.GetRequiredService<IOptions<ControlPlaneOptions>>();
                return new EtcdGateway(() => new EtcdConnectionSettings(options.Value.EndpointUris(), options.Value.RequestTimeout, options.Value.EtcdTls()), provider.GetRequiredService<TimeProvider>());
            });
            services.AddSingleton<EdgeRegistrar>();
            services.AddHostedService(provider => provider.GetRequiredService<EdgeRegistrar>());
            services.AddSingleton<DocumentRefusals>();
            services.AddSingleton<ConfigurationSync>();
            services.AddHostedService(provider => provider.GetRequiredService<ConfigurationSync>());
            services.AddSingleton(provider => new RegionPurgeMark(provider.GetService<RedisConnection>()));
            services.AddSingleton<PurgeApplier>();
            services.AddHostedService(provider => provider.GetRequiredService<PurgeApplier>());
        }

        return builder;
    }
}
