using EdgeImages.Edge.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// L1: variants in this process, bounded in bytes (each entry costs its body). An entry is fresh for its
/// tenant's max-age and then kept, stale, for <see cref="CacheOptions.StaleIfError"/>, so
/// that an origin outage can still be answered. A tag index makes purges by original, prefix or tenant
/// exact rather than a scan.
/// </summary>
internal sealed class MemoryTier : IDisposable
{
    // Per-entry bookkeeping beyond the body (key, record, cache entry), so many tiny variants still count.
    private const int EntryOverheadBytes = 256;

    private readonly MemoryCache _memory;
    private readonly CacheOptions _options;
    private readonly TimeProvider _timeProvider;

    // The tag index, guarded by _index together with the cache writes it describes. An eviction callback runs later,
    // on the thread pool: by then a successor may hold the same key (a refresh replaced the entry, or refilled it once
    // it expired), and unindexing the key would hide that successor from every later purge. Under one lock the
    // callback can see the successor and leave the index alone.
    private readonly Lock _index = new();
    private readonly Dictionary<string, HashSet<string>> _keysByTag = new(StringComparer.Ordinal);
    private long _purges;

    public MemoryTier(IOptions<CacheOptions> options, TimeProvider timeProvider, EdgeMetrics? metrics = null)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.MemoryLimitBytes, TrackStatistics = true });
        metrics?.TrackMemoryTier(() => CurrentBytes, () => CurrentEntries);
    }

    /// <summary>Bytes the tier holds now, bodies plus per-entry overhead.</summary>
    public long CurrentBytes => _memory.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>Entries the tier holds now.</summary>
    public long CurrentEntries => _memory.GetCurrentStatistics()?.CurrentEntryCount ?? 0;

    public bool TryGet(string key, out Entry entry)
    {
        if (_memory.TryGetValue(key, out Entry? found) && found is not null)
        {
            entry = found;
            return true;
        }

        entry = null!;
        return false;
    }

    /// <summary>
    /// How many purges this tier has applied. A fill reads it before it starts and hands it to <see cref="TrySet"/>, so
    /// that bytes fetched before a purge are not kept after it.
    /// </summary>
    public long Purges
    {
        get
        {
            lock (_index)
            {
                return _purges;
            }
        }
    }

    /// <summary>
    /// Keeps the variant unless a purge was applied since <paramref name="purgesSeen"/> (any purge: they are rare, and
    /// a fill it did not concern is merely made again on its next request).
    /// </summary>
    /// <returns>False when a purge came in between and nothing was kept.</returns>
    public bool TrySet(string key, CachedVariant variant, IReadOnlyList<string> tags, TimeSpan freshFor, long purgesSeen)
    {
        // Fresh for max-age from when the variant was made, not from when it reached this tier (a Redis copy may be old).
        var madeAt = variant.MadeAt == default ? _timeProvider.GetUtcNow() : variant.MadeAt;
        var entry = new Entry(variant, madeAt + freshFor, tags);
        var options = new MemoryCacheEntryOptions
        {
            Size = variant.Content.Length + EntryOverheadBytes,
            AbsoluteExpirationRelativeToNow = freshFor + _options.StaleIfError,
        };
        options.RegisterPostEvictionCallback(static (key, value, _, state) => ((MemoryTier)state!).Unindex((string)key, (Entry)value!), this);

        lock (_index)
        {
            if (purgesSeen != _purges)
            {
                return false;
            }

            foreach (var tag in tags)
            {
                if (!_keysByTag.TryGetValue(tag, out var keys))
                {
                    _keysByTag[tag] = keys = new HashSet<string>(StringComparer.Ordinal);
                }

                keys.Add(key);
            }

            _memory.Set(key, entry, options);
        }

        return true;
    }

    /// <summary>Removes every entry carrying <paramref name="tag"/>; returns how many.</summary>
    public int RemoveByTag(string tag)
    {
        HashSet<string>? keys;
        lock (_index)
        {
            _purges++;
            if (!_keysByTag.Remove(tag, out keys))
            {
                return 0;
            }
        }

        foreach (var key in keys)
        {
            _memory.Remove(key);
        }

        return keys.Count;
    }

    private void Unindex(string key, Entry evicted)
    {
        lock (_index)
        {
            if (_memory.TryGetValue(key, out Entry? current) && !ReferenceEquals(current, evicted))
            {
                return; // a successor holds the key, and the index entries are its own
            }

            foreach (var tag in evicted.Tags)
            {
                if (_keysByTag.TryGetValue(tag, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    _keysByTag.Remove(tag); // no empty sets left behind for originals no longer cached
                }
            }
        }
    }

    public void Dispose() => _memory.Dispose();

    internal sealed record Entry(CachedVariant Variant, DateTimeOffset FreshUntil, IReadOnlyList<string> Tags)
    {
        public bool IsFresh(DateTimeOffset now) => now < FreshUntil;
    }
}
