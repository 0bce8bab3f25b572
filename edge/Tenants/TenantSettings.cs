namespace EdgeImages.Edge.Tenants;

/// <summary>
/// What the edge knows about one tenant. Today it comes from configuration (<c>Tenants:{tenant}:…</c>); the
/// control plane will feed the same record by watch. A value left null falls back to the edge-wide default.
/// </summary>
internal sealed record TenantSettings
{
    public static TenantSettings Default { get; } = new();

    /// <summary>
    /// <c>Tenants:{tenant}:MaxAge</c>: freshness of this tenant's unversioned variants (and their
    /// <c>Cache-Control</c>); null means <c>Caching:MaxAge</c>.
    /// </summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>
    /// <c>Tenants:{tenant}:StaleWhileRevalidate</c>: after max-age, how long an expired variant still answers at once
    /// while one background fetch refreshes it (RFC 5861); null means <c>Caching:StaleWhileRevalidate</c>.
    /// </summary>
    public TimeSpan? StaleWhileRevalidate { get; init; }

    /// <summary>
    /// <c>Tenants:{tenant}:StaleIfError</c>: after max-age, how long an expired variant answers when the origin fails
    /// (RFC 5861); null means <c>Caching:StaleIfError</c>. The edge keeps a variant in memory for the longer of the two windows.
    /// </summary>
    public TimeSpan? StaleIfError { get; init; }

    /// <summary>
    /// <c>Tenants:{tenant}:Origin</c>: the origin cluster this tenant's originals live in, one of
    /// <c>Origin:Clusters:{name}</c>; null means the edge's default cluster (<c>Origin:Destinations</c>).
    /// </summary>
    public string? Origin { get; init; }

    /// <summary><c>Tenants:{tenant}:RequestsPerSecond</c>: the tenant's sustained request quota at this edge's region; null is unlimited.</summary>
    public int? RequestsPerSecond { get; init; }

    /// <summary><c>Tenants:{tenant}:Burst</c>: requests above the quota the tenant may make at once.</summary>
    public int? Burst { get; init; }

    /// <summary>
    /// <c>Tenants:{tenant}:AllowedOptions</c>: option names this tenant may use (e.g. <c>w,h,fit,f,q</c>); null
    /// allows every option. A URL with another option is refused with 400 even when correctly signed.
    /// </summary>
    public IReadOnlySet<string>? AllowedOptions { get; init; }

    /// <summary><c>Tenants:{tenant}:Presets:{name}</c>: this tenant's presets, which win over the edge-wide <c>Presets</c>.</summary>
    public IReadOnlyDictionary<string, string> Presets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary><c>Tenants:{tenant}:Watermarks:{name}</c>: the watermarks <c>wm:{name}</c> may apply.</summary>
    public IReadOnlyDictionary<string, TenantWatermark> Watermarks { get; init; } = new Dictionary<string, TenantWatermark>(StringComparer.Ordinal);

    /// <summary><c>Tenants:{tenant}:DefaultWatermark</c>: the watermark of a URL that names none; null for none.</summary>
    public string? DefaultWatermark { get; init; }

    /// <summary><c>Tenants:{tenant}:WatermarkRequired</c>: <c>wm:none</c> is refused (400), so the default always applies.</summary>
    public bool WatermarkRequired { get; init; }

    /// <summary><c>Tenants:{tenant}:RefusePassThrough</c>: <c>-</c> is refused (400), so that no URL serves an original bare.</summary>
    public bool RefusePassThrough { get; init; }
}
