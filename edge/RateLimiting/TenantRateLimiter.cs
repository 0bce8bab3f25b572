using System.Threading.RateLimiting;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Tenants;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>
/// Enforces a tenant's quota (<c>Tenants:{tenant}:RequestsPerSecond</c>, <c>Burst</c>) in two layers:
/// a token bucket per tenant in this edge (ASP.NET Core's built-in limiter), and, when the edge has the
/// region's Redis, the same bucket shared by all edges of the region. While Redis answers, the shared bucket
/// is the one that binds (the region serves the quota once, not once per edge); while it does not, every edge
/// still holds the tenant to the quota locally, so the region serves at most edges × quota: it fails open
/// to the local limit, never closed, never with an error.
/// </summary>
internal sealed class TenantRateLimiter : IDisposable
{
    private readonly ITenantSettingsProvider _tenants;
    private readonly RegionalTenantRateLimiter? _regional;
    private readonly PartitionedRateLimiter<TenantQuota> _local;

    public TenantRateLimiter(ITenantSettingsProvider tenants, RegionalTenantRateLimiter? regional = null)
    {
        _tenants = tenants;
        _regional = regional;
        _local = PartitionedRateLimiter.Create<TenantQuota, TenantQuota>(quota =>
            RateLimitPartition.GetTokenBucketLimiter(quota, q => new TokenBucketRateLimiterOptions
            {
                TokenLimit = q.Burst,
                TokensPerPeriod = q.PerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                // No queue: a request over quota is answered at once; holding it would only hold its memory.
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one request from the tenant's quota, or throws the 429 that answers it.</summary>
    public async ValueTask AcquireAsync(string tenant, CancellationToken cancellationToken)
    {
        if (TenantQuota.Of(tenant, _tenants.Get(tenant)) is not { } quota)
        {
            return;
        }

        // Local first: it is free, and a request it refuses never spends a token of the region's.
        using var local = _local.AttemptAcquire(quota);
        if (!local.IsAcquired)
        {
            throw OverQuota(local.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : quota.RetryAfter);
        }

        if (_regional is not null && await _regional.TryAcquireAsync(quota, cancellationToken).ConfigureAwait(false) == RegionalVerdict.Rejected)
        {
            throw OverQuota(quota.RetryAfter);
        }
    }

    private static EdgeProblemException OverQuota(TimeSpan retryAfter) =>
        new(429, "Too many requests", "This tenant is over its request quota; slow down.", retryAfter);

    public void Dispose()
    {
        _local.Dispose();
        _regional?.Dispose();
    }
}
