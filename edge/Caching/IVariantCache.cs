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

    /// <summary>Evicts every variant carrying <paramref name="tag"/> (see <see cref="CacheTags"/>) from every tier this edge reaches.</summary>
    Task<int> PurgeAsync(string tag, CancellationToken cancellationToken);
}
