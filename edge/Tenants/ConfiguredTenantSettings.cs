using System.ComponentModel.DataAnnotations;
using EdgeImages.Etcd.Documents;
using Microsoft.Extensions.Options;

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
        // A reload swaps the whole snapshot; readers never see half of one. A reload that breaks a rule keeps the last
        // good snapshot (start-up refuses it: ConfiguredTenantsValidator): dropping a broken watermark would serve the
        // tenant's images unmarked.
        Microsoft.Extensions.Primitives.ChangeToken.OnChange(section.GetReloadToken, () =>
        {
            if (Problems(section).Count == 0)
            {
                _tenants = Read(section);
            }
        });
    }

    public TenantSettings Get(string tenant) =>
        Volatile.Read(ref _tenants).TryGetValue(tenant, out var settings) ? settings : TenantSettings.Default;

    internal static Dictionary<string, TenantSettings> Read(IConfigurationSection section) =>
        section.GetChildren().ToDictionary(tenant => tenant.Key, Parse, StringComparer.Ordinal);

    /// <summary>Every problem of the tenants' watermark settings, each naming its configuration key; empty when valid.</summary>
    internal static IReadOnlyList<string> Problems(IConfigurationSection section)
    {
        var problems = new List<string>();
        foreach (var tenant in section.GetChildren())
        {
            try
            {
                problems.AddRange(DocumentRules.Watermarks(WatermarksOf(tenant), tenant["DefaultWatermark"], tenant.GetValue<bool>("WatermarkRequired"))
                    .Select(problem => $"{SectionName}:{tenant.Key}: {problem}"));
            }
            catch (InvalidOperationException exception)
            {
                // A value that is not a number or a boolean where one is expected.
                problems.Add($"{SectionName}:{tenant.Key}: {exception.Message}");
            }
        }

        return problems;
    }

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
            Watermarks = WatermarksOf(tenant).ToDictionary(w => w.Key, w => TenantWatermark.From(w.Key, w.Value), StringComparer.Ordinal),
            DefaultWatermark = tenant["DefaultWatermark"],
            WatermarkRequired = tenant.GetValue<bool>("WatermarkRequired"),
            RefusePassThrough = tenant.GetValue<bool>("RefusePassThrough"),
        };
    }

    /// <summary><c>Tenants:{tenant}:Watermarks:{name}:{Path,Gravity,Margin,Width,Opacity}</c>, in the control plane's shape.</summary>
    private static Dictionary<string, WatermarkDocument> WatermarksOf(IConfigurationSection tenant) =>
        tenant.GetSection("Watermarks").GetChildren().ToDictionary(
            watermark => watermark.Key,
            watermark => new WatermarkDocument
            {
                Path = watermark["Path"] ?? "",
                Gravity = watermark["Gravity"],
                Margin = watermark.GetValue<double?>("Margin"),
                Width = watermark.GetValue<double?>("Width"),
                Opacity = watermark.GetValue<double?>("Opacity"),
            },
            StringComparer.Ordinal);
}

/// <summary>
/// The <c>Tenants</c> section, handed over as it is so that its rules run at start-up like every other setting's. Not bound:
/// a value that is no number where one is expected must be reported by its key, as the other problems are, not thrown by
/// the binder (<see cref="ConfiguredTenantSettings.Problems"/> does both).
/// </summary>
internal sealed class ConfiguredTenants : IValidatableObject
{
    public IConfigurationSection? Section { get; set; }

    /// <summary>
    /// A tenant's watermark settings must keep the stored-document rules (<see cref="DocumentRules.Watermarks"/>): a
    /// default or required watermark that names one of the tenant's own, each within its limits. Rules across settings,
    /// shared with the control plane's documents, so no attribute states them.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Section is null ? [] : ConfiguredTenantSettings.Problems(Section).Select(problem => new ValidationResult(problem));
}

/// <summary>Source-generated; the rules are <see cref="ConfiguredTenants.Validate"/>.</summary>
[OptionsValidator]
internal sealed partial class ConfiguredTenantsValidator : IValidateOptions<ConfiguredTenants>;
