using System.Collections.Concurrent;
using EdgeImages.Edge.Http;
using EdgeImages.Etcd.Purges;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Memory first, then the region's Redis, then the factory (origin fetch and transform): a fresh L1 entry
/// answers at once; otherwise one fill per key runs through L2 and the factory and lands in L1. A stale L1
/// entry answers only when the fill fails the way an origin fails.
/// </summary>
internal sealed class TieredVariantCache(MemoryTier memory, DistributedTier distributed, TimeProvider timeProvider) : IVariantCache
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CacheLookup>>> _inFlight = new(StringComparer.Ordinal);

    public async ValueTask<CacheLookup> GetOrCreateAsync(
        string key,
        IReadOnlyList<string> tags,
        TimeSpan freshFor,
        Func<CancellationToken, Task<CachedVariant>> factory,
        CancellationToken cancellationToken)
    {
        var held = memory.TryGet(key, out var entry) ? entry : null;
        if (held is not null && held.IsFresh(timeProvider.GetUtcNow()))
        {
            return new CacheLookup(held.Variant, CacheTier.Memory);
        }

        var candidate = new Lazy<Task<CacheLookup>>(() => FillAsync(key, tags, freshFor, factory));
        var winner = _inFlight.GetOrAdd(key, candidate);
        if (ReferenceEquals(winner, candidate))
        {
            // Only the request that started the fill unregisters it, once it is done, so a client that
            // disconnects early does not let a second fill of the same key start.
            _ = winner.Value.ContinueWith(
                _ => _inFlight.TryRemove(KeyValuePair.Create(key, candidate)),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        try
        {
            // The fill is not tied to any one request; each waiter stops waiting on its own token.
            return await winner.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (EdgeProblemException problem) when (held is not null && IsUpstreamFailure(problem))
        {
            return new CacheLookup(held.Variant, CacheTier.Stale);
        }
    }

    public async Task<int> PurgeAsync(PurgeTarget target, CancellationToken cancellationToken)
    {
        var (tag, exact) = CacheTags.For(target);
        var evicted = memory.RemoveByTag(tag, exact ? null : target);
        await distributed.RemoveByTagAsync(tag, cancellationToken).ConfigureAwait(false);
        return evicted;
    }

    public void ForgetEverything() => memory.Clear();

    public void ForgetDistributed(long generation)
    {
        // Generations only go up; the same one again (the edge that raised it, then its configuration) changes nothing.
        if (generation <= distributed.Generation)
        {
            return;
        }

        distributed.Generation = generation;
        memory.RemoveFromDistributed();
    }

    private async Task<CacheLookup> FillAsync(string key, IReadOnlyList<string> tags, TimeSpan freshFor, Func<CancellationToken, Task<CachedVariant>> factory)
    {
        var ticket = memory.BeginFill();
        try
        {
            var lookup = await distributed.GetOrCreateAsync(key, tags, freshFor, factory).ConfigureAwait(false);
            if (!memory.TrySet(key, lookup.Variant, tags, freshFor, ticket, fromDistributed: lookup.Tier == CacheTier.Redis))
            {
                // A purge of one of its tags landed while this fill ran: its bytes may be older than the purge. They
                // answer the requests that joined the fill (here, or in HybridCache's own coalescing), and are kept in
                // neither tier; the next request makes the variant again.
                await distributed.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
            }

            return lookup;
        }
        finally
        {
            memory.EndFill(ticket);
        }
    }

    /// <summary>Failures of the origin or of this edge's capacity, where yesterday's bytes beat an error.</summary>
    private static bool IsUpstreamFailure(EdgeProblemException problem) =>
        problem.Status is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout;
}
