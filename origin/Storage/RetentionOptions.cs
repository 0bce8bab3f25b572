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
    public int KeepVersions { get; set; } = 10;

    /// <summary>
    /// Versions younger than this are kept whatever their rank: a <c>v:</c> URL published a minute ago must not
    /// break because the site re-uploaded eleven times since. A week outlives any reasonable deploy cycle.
    /// </summary>
    public TimeSpan MinAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often a node tries a cleanup pass.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Versions deleted per transaction, so that a large backlog never holds locks or WAL for long.</summary>
    public int BatchSize { get; set; } = 500;
}

internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var errors = new List<string>();
        if (options.KeepVersions < 1)
        {
            errors.Add("Origin:Retention:KeepVersions must be at least 1 (the current version).");
        }

        if (options.MinAge < TimeSpan.Zero)
        {
            errors.Add("Origin:Retention:MinAge may not be negative.");
        }

        if (options.Interval < TimeSpan.FromSeconds(1))
        {
            errors.Add("Origin:Retention:Interval must be at least 1 s.");
        }

        if (options.BatchSize is < 1 or > 100_000)
        {
            errors.Add("Origin:Retention:BatchSize must be 1 to 100000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
