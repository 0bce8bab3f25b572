namespace EdgeImages.Edge.Caching;

/// <summary>
/// Encoded variants by canonical key. Concurrent misses on one key are coalesced: the factory runs once
/// and every waiter gets its result (or its exception; failures are not cached).
/// </summary>
internal interface IVariantCache
{
    ValueTask<CacheLookup> GetOrCreateAsync(
        string key,
        Func<CancellationToken, Task<CachedVariant>> factory,
        CancellationToken cancellationToken);
}
