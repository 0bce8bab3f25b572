namespace EdgeImages.Etcd.Documents;

// The JSON documents stored under the key layout of EtcdKeys. Field names are the contract between the control plane
// and the edges; a reader ignores fields it does not know, so either side can add one without breaking the other.

public sealed record RegionDocument(string Id, string Name, double Latitude, double Longitude);

public sealed record PopDocument(string Id, string Region, double Latitude, double Longitude);

/// <summary>What an edge says about itself, under its lease.</summary>
public sealed record EdgeRegistration
{
    public required string EdgeId { get; init; }
    public required string Region { get; init; }
    public required string Pop { get; init; }
    public required string Address { get; init; }
    public string CacheTier { get; init; } = "memory";
    public bool OriginReachable { get; init; } = true;
    public double Load { get; init; }
    public bool Ready { get; init; } = true;
    public long ConfigRevision { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The leader's last probe of one edge.</summary>
public sealed record ProbeResult(string Target, bool Healthy, int Status, double LatencyMs, DateTimeOffset At);

public sealed record DrainDocument(string Pop, string By, DateTimeOffset At);

/// <summary>A signing key as stored: the secret only sealed (<see cref="SealedSecret"/>).</summary>
public sealed record SigningKeyDocument
{
    public const string Active = "active";
    public const string VerifyOnly = "verify-only";
    public const string Retired = "retired";

    public required string Kid { get; init; }
    /// <summary><see cref="Active"/>, <see cref="VerifyOnly"/> or <see cref="Retired"/>.</summary>
    public required string State { get; init; }
    public required string Secret { get; init; }
    /// <summary>
    /// The tenants the key signs for, or <c>["*"]</c> for a platform key. Null or empty in a document written before
    /// keys were bound: edges refuse such a key (fail closed) until it is bound (<c>PUT /v1/keys/{kid}/tenants</c>).
    /// </summary>
    public IReadOnlyList<string>? Tenants { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ActivatedAt { get; init; }
    public DateTimeOffset? VerifyOnlyAt { get; init; }
    public DateTimeOffset? RetiredAt { get; init; }
    /// <summary>When set, the leader retires the key at this time (key expiry).</summary>
    public DateTimeOffset? RetireAt { get; init; }
}

public sealed record TenantDocument
{
    public required string Id { get; init; }
    /// <summary>The origin binding: the origin (cluster name or base URL) this tenant's originals come from.</summary>
    public string? Origin { get; init; }
    public int? MaxAgeSeconds { get; init; }
    /// <summary>
    /// RFC 5861 windows after max-age: how long an expired variant still answers at once while one background fetch
    /// refreshes it, and how long it answers when the origin fails. Null: the edges' <c>Caching</c> defaults.
    /// </summary>
    public int? StaleWhileRevalidateSeconds { get; init; }
    public int? StaleIfErrorSeconds { get; init; }
    public IReadOnlyList<string>? AllowedOptions { get; init; }
    public IReadOnlyDictionary<string, string>? Presets { get; init; }
    public int? RequestsPerSecond { get; init; }
    public int? Burst { get; init; }
    /// <summary>The tenant's named watermarks, which <c>wm:{name}</c> applies (rules: <see cref="DocumentRules.Watermarks"/>).</summary>
    public IReadOnlyDictionary<string, WatermarkDocument>? Watermarks { get; init; }
    /// <summary>The watermark applied when a URL names none; null for none.</summary>
    public string? DefaultWatermark { get; init; }
    /// <summary>When true, <c>wm:none</c> is refused (400): every transformed image carries the default watermark.</summary>
    public bool WatermarkRequired { get; init; }
    /// <summary>When true, <c>-</c> (the original untouched) is refused (400), so that no URL serves an original bare.</summary>
    public bool RefusePassThrough { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// One named watermark of a tenant: an image among the tenant's own originals and how it is laid over the output.
/// Sizes are fractions of the output's width, so one watermark looks the same at every width of a <c>srcset</c>.
/// </summary>
public sealed record WatermarkDocument
{
    public const string DefaultGravity = "se";
    public const double DefaultMargin = 0.02;
    public const double DefaultWidth = 0.25;
    public const double DefaultOpacity = 1;

    /// <summary>The watermark image's path among the tenant's originals, written as in an image URL (percent-encoded).</summary>
    public required string Path { get; init; }
    /// <summary>Where it sits: <c>center</c>, <c>n</c>, <c>s</c>, <c>e</c>, <c>w</c>, <c>ne</c>, <c>nw</c>, <c>se</c>, <c>sw</c>; default <c>se</c>.</summary>
    public string? Gravity { get; init; }
    /// <summary>Space between it and the output's edges, as a fraction of the output's width (0 to 0.5); default 0.02.</summary>
    public double? Margin { get; init; }
    /// <summary>Its width as a fraction of the output's width (above 0, at most 1); default 0.25. The height keeps its aspect.</summary>
    public double? Width { get; init; }
    /// <summary>Above 0, at most 1; default 1 (the watermark image's own alpha only).</summary>
    public double? Opacity { get; init; }
}

/// <summary>
/// A purge event: by <paramref name="Path"/>, by <paramref name="Prefix"/>, or of the whole tenant when neither is set.
/// Path and prefix are stored decoded (<c>a b/café.png</c>, <c>photos/</c>), as the edge names an original; read it
/// through <see cref="Purges.PurgeTarget.FromDocument"/>.
/// </summary>
public sealed record PurgeDocument(string Id, string Tenant, string? Path, string? Prefix, string What, string By, DateTimeOffset At);

/// <summary>Purge events with a revision up to <paramref name="Revision"/> may have been deleted (see <see cref="Purges.PurgeLog"/>).</summary>
public sealed record PurgeHorizonDocument(long Revision, DateTimeOffset At);

/// <summary>
/// The generation of a region's Redis tier: edges put it in every Redis key, so raising it leaves everything
/// written before unreadable. Raised by an edge that cannot prove it applied every purge (<see cref="By"/> says which).
/// </summary>
public sealed record CacheGenerationDocument(string Region, long Generation, string By, DateTimeOffset At);

public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string Target, string? Detail);

/// <summary>An admin API key as stored (only its hash).</summary>
/// <param name="Tenants">The tenants its read, purge, keys and tenants scopes reach; null for a platform key, which
/// reaches everything. Documents written before keys were scoped have none, and stay platform keys.</param>
public sealed record AdminKeyDocument(
    string Id, string Name, IReadOnlyList<string> Scopes, string Hash, DateTimeOffset CreatedAt, string CreatedBy, IReadOnlyList<string>? Tenants = null);

public sealed record LeaderDocument(string ReplicaId, DateTimeOffset Since);
