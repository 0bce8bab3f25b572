using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// The memory tier: a size-bounded <see cref="MemoryCache"/> whose entries cost their body length, with
/// in-flight misses coalesced so that a burst on a cold key makes one origin fetch and one transform.
/// </summary>
internal sealed class MemoryVariantCache : IVariantCache, IDisposable
{
    // Per-entry bookkeeping beyond the body (key, record, cache entry), so many tiny variants still count.
    private const int EntryOverheadBytes = 256;

    private readonly MemoryCache _memory;
    private readonly TimeSpan _maxAge;
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedVariant>>> _inFlight = new(StringComparer.Ordinal);

    public MemoryVariantCache(IOptions<CacheOptions> options, TimeProvider timeProvider)
    {
        _maxAge = options.Value.MaxAge;
        _memory = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = options.Value.MemoryLimitBytes,
            Clock = new TimeProviderClock(timeProvider),
        });
    }

    public async ValueTask<CacheLookup> GetOrCreateAsync(
        string key,
        Func<CancellationToken, Task<CachedVariant>> factory,
        CancellationToken cancellationToken)
    {
        if (_memory.TryGetValue(key, out CachedVariant? hit) && hit is not null)
        {
            return new CacheLookup(hit, CacheTier.Memory);
        }

        var candidate = new Lazy<Task<CachedVariant>>(() => CreateAsync(key, factory));
        var winner = _inFlight.GetOrAdd(key, candidate);
        if (ReferenceEquals(winner, candidate))
        {
            // Only the request that started the work unregisters it, and only once it is done, so a
            // client that disconnects early does not let a second transform of the same key start.
            _ = winner.Value.ContinueWith(
                _ => _inFlight.TryRemove(KeyValuePair.Create(key, candidate)),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        // The shared work is not tied to any one request; each waiter stops waiting on its own token.
        var variant = await winner.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new CacheLookup(variant, CacheTier.Miss);
    }

    private async Task<CachedVariant> CreateAsync(string key, Func<CancellationToken, Task<CachedVariant>> factory)
    {
        var variant = await factory(CancellationToken.None).ConfigureAwait(false);
        _memory.Set(key, variant, new MemoryCacheEntryOptions
        {
            Size = variant.Content.Length + EntryOverheadBytes,
            AbsoluteExpirationRelativeToNow = _maxAge,
        });
        return variant;
    }

    public void Dispose() => _memory.Dispose();

    private sealed class TimeProviderClock(TimeProvider timeProvider) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => timeProvider.GetUtcNow();
    }
}
