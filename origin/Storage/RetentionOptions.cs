using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Storage;

/// <summary>
/// How long old versions stay, from configuration section <c>Origin:Retention</c>. A version that is no longer
/// current is deleted once it is both outside the newest <see cref="KeepVersions"/> of its original and older than
/// <see cref="MinAge"/>. The current version is never deleted by retention.
/// </summary>
internal sealed class RetentionOptions
{
    public const string SectionName = "Origin:Retention";

    /// <summary>Whether this node runs the periodic cleanup at all (any node may; they take turns by advisory lock).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The newest versions of each original that are always kept, the current one included. 10 covers a burst of re-uploads.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Origin:Retention:KeepVersions must be between {1} and {2}.")]
    public int KeepVersions { get; set; } = 10;

    /// <summary>
    /// Versions younger than this are kept whatever their rank: a <c>v:</c> URL published a minute ago must not
    /// break because the site re-uploaded eleven times since. A week outlives any reasonable deploy cycle.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Origin:Retention:MinAge must be between {1} and {2}.")]
    public TimeSpan MinAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often a node tries a cleanup pass.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Origin:Retention:Interval must be between {1} and {2}.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Versions deleted per transaction, so that a large backlog never holds locks or WAL for long.</summary>
    [SettingRange(1, 100_000, ErrorMessage = "Origin:Retention:BatchSize must be between {1} and {2}.")]
    public int BatchSize { get; set; } = 500;
}

/// <summary>The ranges from the attributes, source-generated.</summary>
[OptionsValidator]
internal sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
