namespace EdgeImages.Edge.Caching;

/// <summary>
/// Encoded variants by canonical key, in tiers. Concurrent misses on one key are coalesced: the factory runs
/// once and every waiter gets its result (or its exception; failures are not cached). Past its freshness a held copy
/// answers as RFC 5861 says (see <see cref="Freshness"/>): at once while one fill refreshes it, or when the fill
/// fails with a typed upstream failure or a shed.
/// </summary>
internal interface IVariantCache
{
    ValueTask<CacheLookup> GetOrCreateAsync(
        string key,
        IReadOnlyList<string> tags,
        Freshness freshness,
        Func<CancellationToken, Task<CachedVariant>> factory,
        CancellationToken cancellationToken);

    /// <summary>Evicts every variant carrying <paramref name="tag"/> (see <see cref="CacheTags"/>) from every tier this edge reaches.</summary>
    Task<int> PurgeAsync(string tag, CancellationToken cancellationToken);
}
