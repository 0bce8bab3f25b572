using Microsoft.Extensions.Caching.Hybrid;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// L2: the region's Redis through <see cref="HybridCache"/>, used for what it does well here (serialization,
/// tags and their invalidation, stampede protection) with its own in-process tier switched off, because
/// <see cref="MemoryTier"/> must bound memory in bytes, keep stale copies and tell HIT-MEMORY apart.
/// Without Redis configured this tier is a pass-through to the factory.
/// Every key carries the region's Redis generation (<see cref="Generation"/>, from the control plane): raising it
/// leaves whatever the region wrote before unread, for when an edge of the region missed purges it cannot replay.
/// </summary>
internal sealed class DistributedTier(HybridCache hybrid)
{
    private long _generation;

    /// <summary>The region's Redis generation in force; 0 (no control plane, or never raised) adds nothing to keys.</summary>
    public long Generation
    {
        get => Volatile.Read(ref _generation);
        set => Volatile.Write(ref _generation, value);
    }

    public async Task<CacheLookup> GetOrCreateAsync(string key, IReadOnlyList<string> tags, TimeSpan freshFor, Func<CancellationToken, Task<CachedVariant>> factory)
    {
        var entryOptions = new HybridCacheEntryOptions { Expiration = freshFor, Flags = HybridCacheEntryFlags.DisableLocalCache };
        // The fill runs to completion whoever is waiting: its result is worth caching either way.
        var fill = new Fill(factory);
        var variant = await GetOrCreateAsync(key, tags, entryOptions, fill).ConfigureAwait(false);
        if (ReferenceEquals(variant, CachedVariantSerializer.Rejected))
        {
            // Redis held something no edge wrote (poisoned, or of another format): drop it, and make the variant.
            await RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
            variant = await GetOrCreateAsync(key, tags, entryOptions, fill).ConfigureAwait(false);
            if (ReferenceEquals(variant, CachedVariantSerializer.Rejected))
            {
                variant = await fill.RunAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        return new CacheLookup(variant, fill.Ran ? CacheTier.Miss : CacheTier.Redis);
    }

    private ValueTask<CachedVariant> GetOrCreateAsync(string key, IReadOnlyList<string> tags, HybridCacheEntryOptions entryOptions, Fill fill) =>
        hybrid.GetOrCreateAsync(
            InGeneration(key),
            fill,
            static async (state, token) => await state.RunAsync(token).ConfigureAwait(false),
            entryOptions,
            tags,
            CancellationToken.None);

    public ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken) =>
        hybrid.RemoveByTagAsync(tag, cancellationToken);

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken) =>
        hybrid.RemoveAsync(InGeneration(key), cancellationToken);

    private string InGeneration(string key) => Generation is var generation and > 0 ? $"g{generation}|{key}" : key;

    /// <summary>Remembers whether L2 missed, i.e. whether the factory had to run.</summary>
    private sealed class Fill(Func<CancellationToken, Task<CachedVariant>> factory)
    {
        public bool Ran { get; private set; }

        public Task<CachedVariant> RunAsync(CancellationToken cancellationToken)
        {
            Ran = true;
            return factory(cancellationToken);
        }
    }
}
