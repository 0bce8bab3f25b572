using EdgeImages.Etcd.Purges;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Encoded variants by canonical key, in tiers. Concurrent misses on one key are coalesced: the factory runs
/// once and every waiter gets its result (or its exception; failures are not cached). When the factory fails
/// the way an origin fails (502, 503, 504) and a stale copy is still held, the stale copy answers.
/// </summary>
internal interface IVariantCache
{
    ValueTask<CacheLookup> GetOrCreateAsync(
        string key,
        IReadOnlyList<string> tags,
        TimeSpan freshFor,
        Func<CancellationToken, Task<CachedVariant>> factory,
        CancellationToken cancellationToken);

    /// <summary>Evicts every variant <paramref name="target"/> names from every tier this edge reaches; returns how many left memory.</summary>
    Task<int> PurgeAsync(PurgeTarget target, CancellationToken cancellationToken);

    /// <summary>
    /// Drops everything this edge holds in memory and fences every fill running: for an edge that missed purges it
    /// cannot replay, so nothing it holds can be proved clean.
    /// </summary>
    void ForgetEverything();

    /// <summary>
    /// Moves to the region's Redis generation <paramref name="generation"/> (what older generations hold is never read
    /// again) and drops from memory whatever was read from Redis.
    /// </summary>
    void ForgetDistributed(long generation);
}
