using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Purge;

/// <summary>How often one admin key may purge, configuration section <c>Purge</c>.</summary>
internal sealed class PurgeOptions
{
    public const string SectionName = "Purge";

    /// <summary>
    /// <c>Purge:PerKeyPerSecond</c>: purges one admin key may issue per second, sustained. Every purge is an etcd write
    /// that every edge applies to its memory and its region's Redis, so a runaway script must not turn into a flood of
    /// evictions on every PoP; 10 a second is far beyond what a publishing workflow needs.
    /// </summary>
    [SettingRange(1, 100_000, ErrorMessage = "Purge:PerKeyPerSecond must be between {1} and {2}.")]
    public int PerKeyPerSecond { get; set; } = 10;

    /// <summary><c>Purge:Burst</c>: purges one key may issue at once before the rate applies (a release purging a batch).</summary>
    [SettingRange(1, 100_000, ErrorMessage = "Purge:Burst must be between {1} and {2}.")]
    public int Burst { get; set; } = 100;
}

[OptionsValidator]
internal sealed partial class PurgeOptionsValidator : IValidateOptions<PurgeOptions>;

internal static class PurgeServiceCollectionExtensions
{
    public static IServiceCollection AddPurge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PurgeOptions, PurgeOptionsValidator>(configuration, PurgeOptions.SectionName);
        services.AddSingleton<PurgeRateLimiter>();
        return services;
    }
}
