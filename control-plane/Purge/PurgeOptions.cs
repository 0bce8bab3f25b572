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
    public int PerKeyPerSecond { get; set; } = 10;

    /// <summary><c>Purge:Burst</c>: purges one key may issue at once before the rate applies (a release purging a batch).</summary>
    public int Burst { get; set; } = 100;
}

internal sealed class PurgeOptionsValidator : IValidateOptions<PurgeOptions>
{
    public ValidateOptionsResult Validate(string? name, PurgeOptions options)
    {
        var errors = new List<string>();
        if (options.PerKeyPerSecond is < 1 or > 100_000)
        {
            errors.Add("Purge:PerKeyPerSecond must be 1 to 100000.");
        }

        if (options.Burst is < 1 or > 100_000)
        {
            errors.Add("Purge:Burst must be 1 to 100000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal static class PurgeServiceCollectionExtensions
{
    public static IServiceCollection AddPurge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PurgeOptions, PurgeOptionsValidator>(configuration, PurgeOptions.SectionName);
        services.AddSingleton<PurgeRateLimiter>();
        return services;
    }
}
