using EdgeImages.Etcd.Purges;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Encoded variants by canonical key, in tiers. Concurrent misses on one key are coalesced: the factory runs
/// once and every waiter gets its result (or its exception; failures are not cached). Past its freshness a held copy
/// answers as RFC 5861 says (see <see cref="Freshness"/>): at once while one fill refreshes it, or when the fill
/// fails with a typed upstream failure or a shed.
/// </summary>
internal interface IVariantCache
{
    /// <summary>
    /// The fresh copy this edge holds in memory, if any: the common answer, given without the fill's closure, task or
    /// coalescing that <see cref="GetOrCreateAsync"/> needs for everything else.
    /// </summary>
    bool TryGetFresh(string key, out CacheLookup lookup);

    ValueTask<CacheLookup> GetOrCreateAsync(
        string key,
        IReadOnlyList<string> tags,
        Freshness freshness,
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
