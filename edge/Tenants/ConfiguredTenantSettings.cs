namespace EdgeImages.Edge.Tenants;

/// <summary>Tenant settings from the <c>Tenants</c> configuration section, re-read when configuration reloads.</summary>
internal sealed class ConfiguredTenantSettings : ITenantSettingsProvider
{
    public const string SectionName = "Tenants";

    private Dictionary<string, TenantSettings> _tenants;

    public ConfiguredTenantSettings(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        _tenants = Read(section);
        // A reload swaps the whole snapshot; readers never see half of one.
        Microsoft.Extensions.Primitives.ChangeToken.OnChange(section.GetReloadToken, () => _tenants = Read(section));
    }

    public TenantSettings Get(string tenant) =>
        Volatile.Read(ref _tenants).TryGetValue(tenant, out var settings) ? settings : TenantSettings.Default;

    internal static Dictionary<string, TenantSettings> Read(IConfigurationSection section) =>
        section.GetChildren().ToDictionary(tenant => tenant.Key, Parse, StringComparer.Ordinal);

    private static TenantSettings Parse(IConfigurationSection tenant)
    {
        var allowed = tenant["AllowedOptions"];
        return new TenantSettings
        {
            MaxAge = tenant.GetValue<TimeSpan?>("MaxAge"),
            StaleWhileRevalidate = tenant.GetValue<TimeSpan?>("StaleWhileRevalidate"),
            StaleIfError = tenant.GetValue<TimeSpan?>("StaleIfError"),
            Origin = tenant["Origin"],
            RequestsPerSecond = tenant.GetValue<int?>("RequestsPerSecond"),
            Burst = tenant.GetValue<int?>("Burst"),
            AllowedOptions = allowed is null
                ? null
                : allowed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
            Presets = tenant.GetSection("Presets").GetChildren().ToDictionary(p => p.Key, p => p.Value ?? "", StringComparer.Ordinal),
        };
    }
}
