namespace EdgeImages.Telemetry.Dashboard;

// The JSON contract of GET /v1/dashboard/state, which monitoring/dashboard/app.js renders. camelCase on the wire;
// monitoring/README.md shows an example. Health and state values are lower- or PascalCase strings, compared
// case-insensitively by the page, so that the control plane can pass ASP.NET's HealthStatus names through.

/// <summary>Everything the dashboard shows, as of <see cref="GeneratedAt"/>.</summary>
/// <param name="GeneratedAt">When the control plane assembled this state; ages and "pending" times count from it.</param>
/// <param name="ConfigVersion">The configuration version the control plane currently publishes.</param>
public sealed record DashboardState(
    DateTimeOffset GeneratedAt,
    long ConfigVersion,
    IReadOnlyList<RegionState> Regions,
    IReadOnlyList<PurgeState> Purges,
    IReadOnlyList<KeyState> Keys);

/// <summary>A region and its PoPs; the page shows the region as healthy as its worst PoP.</summary>
/// <param name="RouteOrder">
/// Where routing sends a client located at the region now: routable PoP ids, nearest first (drained PoPs and PoPs
/// without a healthy edge are left out). Null when the provider does not know.
/// </param>
public sealed record RegionState(string Id, string Name, IReadOnlyList<PopState> Pops, IReadOnlyList<string>? RouteOrder = null);

/// <param name="Health"><c>Healthy</c>, <c>Degraded</c>, <c>Unhealthy</c> or <c>Down</c> (no edge answers).</param>
/// <param name="Routing"><c>active</c> (receives its region's traffic), <c>draining</c> or <c>out</c>.</param>
/// <param name="RoutedTo">Where its traffic goes while it is not active, e.g. another PoP's id.</param>
/// <param name="RequestsPerSecond">Image requests per second, from <c>edgeimages:requests:rate5m</c>.</param>
/// <param name="HitRatio">From <c>edgeimages:hit_ratio:rate5m</c>, 0 to 1; null without traffic.</param>
/// <param name="ErrorRatio">From <c>edgeimages:5xx_ratio:rate5m</c>, 0 to 1; null without traffic.</param>
public sealed record PopState(
    string Id,
    string Name,
    string Health,
    string Routing,
    string? RoutedTo,
    double? RequestsPerSecond,
    double? HitRatio,
    double? ErrorRatio,
    IReadOnlyList<EdgeState> Edges);

/// <summary>One edge process: its readiness and the configuration it serves with.</summary>
public sealed record EdgeState(string Instance, string Health, long ConfigVersion, double ConfigAgeSeconds);

/// <param name="Target">What was purged: <c>tenant</c>, <c>tenant/folder/</c> or <c>tenant/path</c>.</param>
/// <param name="LagSeconds">Until the last PoP applied it; null while some have not.</param>
public sealed record PurgeState(string Id, string Tenant, string Target, DateTimeOffset IssuedAt, int AppliedPops, int TotalPops, double? LagSeconds);

/// <param name="Kind"><c>signing</c> (URL signing key) or <c>api</c> (a tenant's API key).</param>
/// <param name="Tenant">The owning tenant of an API key; null for signing keys.</param>
/// <param name="State"><c>active</c>, <c>verify-only</c>, <c>retired</c> or <c>revoked</c>.</param>
/// <param name="ExpiresAt">Null when the key does not expire. Never the secret itself.</param>
public sealed record KeyState(string Id, string Kind, string? Tenant, string State, DateTimeOffset? ExpiresAt);
