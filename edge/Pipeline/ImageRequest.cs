using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tenants;
using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Watermarks;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Pipeline;

/// <summary>A verified image request: what to fetch, what to do to it, and what the client can take.</summary>
/// <param name="Options">The options in force, already range-checked.</param>
/// <param name="Original">The original to fetch.</param>
/// <param name="Accepted">Which negotiable formats <c>Accept</c> names; matters only for <c>f:auto</c>.</param>
/// <param name="MaxAge">How long an unversioned variant of this tenant stays fresh.</param>
internal sealed record ImageRequest(TransformOptions Options, OriginalKey Original, AcceptedFormats Accepted, TimeSpan MaxAge)
{
    // DateTimeOffset.MaxValue.ToUnixTimeSeconds(): 9999-12-31T23:59:59Z.
    private const long MaxUnixSeconds = 253_402_300_799;

    // A pinned version never changes; it stays as long as memory and Redis keep it.
    private static readonly TimeSpan PinnedFreshFor = TimeSpan.FromDays(365);

    /// <summary>RFC 5861 <c>stale-while-revalidate</c> of this tenant's variants.</summary>
    public TimeSpan StaleWhileRevalidate { get; init; }

    /// <summary>RFC 5861 <c>stale-if-error</c> of this tenant's variants.</summary>
    public TimeSpan StaleIfError { get; init; }

    /// <summary>How long the variant is fresh in the edge's tiers, and the stale windows after that.</summary>
    public Freshness Freshness => new(Original.Version is null ? MaxAge : PinnedFreshFor, StaleWhileRevalidate, StaleIfError);

    /// <summary>Whether the response depends on <c>Accept</c>, so caches must key on it too.</summary>
    public bool VariesByAccept => !Options.IsPassThrough && Options.EffectiveFormat == ImageFormat.Auto;

    /// <summary>
    /// When the URL stops working (its <c>exp</c>), or null when it never does. The parser takes <c>exp</c> up to
    /// <c>long.MaxValue / 10</c> seconds, far past the year 9999 that <see cref="DateTimeOffset"/> ends at; such an
    /// <c>exp</c> is clamped to <see cref="DateTimeOffset.MaxValue"/>: still "far future", so the answer stays
    /// <c>private</c> with the max-age it would have had (as <see cref="Sdk.Signing.ExpiryCheck"/> never expires it).
    /// </summary>
    public DateTimeOffset? ExpiresAt => Options.ExpiresAt switch
    {
        null => null,
        > MaxUnixSeconds => DateTimeOffset.MaxValue,
        { } seconds => DateTimeOffset.FromUnixTimeSeconds(seconds),
    };

    /// <summary>The tenant's watermark this request gets (<see cref="WatermarkChoice"/>), or null for none.</summary>
    public TenantWatermark? Watermark { get; init; }

    /// <summary>The image of <see cref="Watermark"/> and its origin version, attached before the cache lookup (<see cref="WatermarkImages"/>).</summary>
    public WatermarkImage? WatermarkImage { get; init; }

    /// <summary>
    /// The purge handles of this request's variants: tenant, folders, original, and with a watermark those of its image
    /// too, so that purging the watermark image purges every variant that carries it. Made on first read: only a fill
    /// reads them, and a hit would otherwise build a handful of strings per request for nothing.
    /// </summary>
    public IReadOnlyList<string> Tags => new PurgeTags(Original.Tenant, Original.Path, Watermark?.Path);

    /// <summary>
    /// The cache key: tenant, path, pinned version or the marker of the latest, canonical options, for <c>f:auto</c>
    /// what this client's <c>Accept</c> named of the negotiated formats, and the watermark actually applied: its name,
    /// the origin's version of its image and a fingerprint of its settings (<c>|wm:logo@v3#…</c>). The URL's own
    /// <c>wm</c> is left out of the options: <c>wm:logo</c> and the default <c>logo</c> make the same image and share
    /// one entry, and a new default, new settings or a new image make a new key. The query string is never part of it.
    /// </summary>
    public string CacheKey
    {
        get
        {
            var negotiated = VariesByAccept ? Accepted.CacheKeySuffix : "";
            var options = Options.Watermark is null ? Options : Options with { Watermark = null };
            var watermark = Watermark is { } mark
                ? $"|wm:{mark.Name}@{WatermarkImage?.Version ?? throw new InvalidOperationException("The watermark's image was not attached.")}#{mark.Fingerprint}"
                : "";
            return $"{Original.Tenant}/{Original.Path}@{CacheKeys.VersionMarker(Original.Version)}|{CanonicalOptions.Format(options)}{negotiated}{watermark}";
        }
    }
}

/// <summary>
/// The tags of <see cref="CacheTags.For(string, string)"/> for an original and, if any, its watermark's image, made when
/// first read.
/// </summary>
internal sealed class PurgeTags(string tenant, string path, string? watermarkPath) : IReadOnlyList<string>
{
    private string[]? _tags;

    private string[] All => _tags ??= watermarkPath is null
        ? CacheTags.For(tenant, path)
        : [.. CacheTags.For(tenant, path).Union(CacheTags.For(tenant, watermarkPath), StringComparer.Ordinal)];

    public int Count => All.Length;

    public string this[int index] => All[index];

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)All).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
