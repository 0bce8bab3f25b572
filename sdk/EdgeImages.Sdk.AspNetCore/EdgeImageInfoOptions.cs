namespace EdgeImages.Sdk.AspNetCore;

/// <summary>
/// How the site asks the edge for <c>f:json</c> while it renders a page (<c>edge-placeholder</c>, <c>edge-measure</c>):
/// the page waits for it, so every wait is bounded and every failure renders the image without a placeholder.
/// Bound from <c>EdgeImages:Info</c> when the options are bound from configuration.
/// </summary>
public sealed class EdgeImageInfoOptions
{
    /// <summary>
    /// How long one fetch may take. A page renders its images one after another, so this is per image and short:
    /// an edge that answers in time is fast (the answer is cached there too), and one that does not is skipped for
    /// <see cref="Cooldown"/>. Default 500 ms.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After a fetch that timed out or could not connect, no fetch is tried for this long: the pages render without
    /// placeholders at once instead of waiting <see cref="Timeout"/> for every image. Default 30 s.
    /// </summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest an answer is kept; the edge's <c>max-age</c> is honoured when shorter (so an unversioned original
    /// replaced at the origin shows its new placeholder when the edge's copy would also have expired). Default 1 hour.
    /// </summary>
    public TimeSpan MaxCacheDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a failed answer (an error status, a malformed body) is remembered, so it is not asked for on every render. Default 1 minute.</summary>
    public TimeSpan FailureCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many answers are kept in memory; each is well under 2 KB. Default 10 000.</summary>
    public int CacheEntries { get; set; } = 10_000;
}
