namespace EdgeImages.Edge.Tenants;

/// <summary>The current settings of every tenant; implementations swap whole snapshots, never mutate one.</summary>
internal interface ITenantSettingsProvider
{
    /// <summary>The settings of <paramref name="tenant"/>, or <see cref="TenantSettings.Default"/> for a tenant with none.</summary>
    TenantSettings Get(string tenant);
}
