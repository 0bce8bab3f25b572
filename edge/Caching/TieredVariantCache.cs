using EdgeImages.Edge.Http;
using EdgeImages.Edge.Origin;
using EdgeImages.Etcd.Purges;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Memory first, then the region's Redis, then the factory (origin fetch and transform): a fresh L1 entry answers at
/// once; otherwise one fill per key runs through L2 and the factory and lands in L1. Past its freshness an entry follows
/// RFC 5861: within stale-while-revalidate it answers at once (<c>STALE</c>) while one background fill refreshes it;
/// after that, within stale-if-error, it answers only when the fill fails the way an origin fails.
/// </summary>
internal sealed class TieredVariantCache(MemoryTier memory, DistributedTier distributed, NotFoundCache notFound, TimeProvider timeProvider) : IVariantCache
{
    private readonly SingleFlight<CacheLookup> _fills = new();

    public async ValueTask<CacheLookup> GetOrCreateAsync(
        string key,
        IReadOnlyList<string> tags,
        Freshness freshness,
        Func<CancellationToken, Task<CachedVariant>> factory,
        CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var held = memory.TryGet(key, out var entry) ? entry : null;
        if (held is not null && held.IsFresh(now))
        {
            return new CacheLookup(held.Variant, CacheTier.Memory);
        }

        var fill = Fill(key, tags, freshness, factory);
        if (held is not null && now < held.FreshUntil + freshness.StaleWhileRevalidate)
        {
            // A hot key that just expired: every request answers from the stale copy and none waits; the one fill
            // (coalesced above) refreshes it in the background. Its failure is the next request's business.
            _ = fill.ContinueWith(static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return new CacheLookup(held.Variant, CacheTier.Stale);
        }

        try
        {
            // The fill is not tied to any one request; each waiter stops waiting on its own token.
            return await fill.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (held is not null && now < held.FreshUntil + freshness.StaleIfError && StaleBeatsIt(failure))
        {
            return new CacheLookup(held.Variant, CacheTier.Stale);
        }
    }

    public async Task<int> PurgeAsync(PurgeTarget target, CancellationToken cancellationToken)
    {
        notFound.Clear();
        var (tag, exact) = CacheTags.For(target);
        var evicted = memory.RemoveByTag(tag, exact ? null : target);
        await distributed.RemoveByTagAsync(tag, cancellationToken).ConfigureAwait(false);
        return evicted;
    }

    public void ForgetEverything()
    {
        notFound.Clear();
        memory.Clear();
    }

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

    /// <summary>The one fill of <paramref name="key"/>: the running one, or a new one.</summary>
    private Task<CacheLookup> Fill(string key, IReadOnlyList<string> tags, Freshness freshness, Func<CancellationToken, Task<CachedVariant>> factory) =>
        _fills.Run(key, () => FillAsync(key, tags, freshness, factory));

    private async Task<CacheLookup> FillAsync(string key, IReadOnlyList<string> tags, Freshness freshness, Func<CancellationToken, Task<CachedVariant>> factory)
    {
        var freshFor = freshness.FreshFor;
        var ticket = memory.BeginFill();
        try
        {
            // Stamped as it is made, before HybridCache writes it to Redis, so that its age travels with it.
            var lookup = await distributed.GetOrCreateAsync(
                key,
                tags,
                freshFor,
                async token => await factory(token).ConfigureAwait(false) with { MadeAt = timeProvider.GetUtcNow() }).ConfigureAwait(false);
            // Kept as long as either stale window may still answer from it, as the tenant's Cache-Control advertises.
            var keepStaleFor = freshness.StaleWhileRevalidate > freshness.StaleIfError ? freshness.StaleWhileRevalidate : freshness.StaleIfError;
            if (!memory.TrySet(key, lookup.Variant, tags, freshFor, ticket, fromDistributed: lookup.Tier == CacheTier.Redis, keepStaleFor))
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

    /// <summary>
    /// Failures where yesterday's bytes beat an error: the origin's (a typed <see cref="UpstreamFailureException"/>),
    /// or this edge's capacity (a shed). Never a 404 or a 4xx: those are answers, not failures.
    /// </summary>
    private static bool StaleBeatsIt(Exception failure) =>
        failure is UpstreamFailureException or EdgeProblemException { IsOverload: true };
}
