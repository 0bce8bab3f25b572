using EdgeImages.Edge.Tenants;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>
/// One tenant's quota as a token bucket: <see cref="PerSecond"/> tokens a second into a bucket of
/// <see cref="Burst"/>. It is the limiters' partition key, so a changed quota gets a fresh bucket.
/// </summary>
internal readonly record struct TenantQuota(string Tenant, int PerSecond, int Burst)
{
    /// <summary>The tenant's quota, or null when it has none (unlimited).</summary>
    /// <remarks>
    /// The bucket holds <c>Burst</c> tokens, as the per-client limit does (<c>RateLimiting:PerClientBurst</c>),
    /// and never fewer than one second's worth: a burst below the rate would make the rate unreachable.
    /// </remarks>
    public static TenantQuota? Of(string tenant, TenantSettings settings) =>
        settings.RequestsPerSecond is > 0 and var perSecond
            ? new TenantQuota(tenant, perSecond, Math.Max(perSecond, settings.Burst ?? perSecond))
            : null;

    /// <summary>When an empty bucket has a token again.</summary>
    public TimeSpan RetryAfter => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(1.0 / PerSecond)));
}
