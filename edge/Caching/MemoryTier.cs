using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _keysByTag = new(StringComparer.Ordinal);

    public MemoryTier(IOptions<CacheOptions> options, TimeProvider timeProvider)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.MemoryLimitBytes });
    }

    /// <summary>Bytes the tier holds now, for metrics and tests.</summary>
    public long CurrentBytes => _memory.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

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

    public void Set(string key, CachedVariant variant, IReadOnlyList<string> tags, TimeSpan freshFor)
    {
        var now = _timeProvider.GetUtcNow();
        var entry = new Entry(variant, now + freshFor, tags);
        var options = new MemoryCacheEntryOptions
        {
            Size = variant.Content.Length + EntryOverheadBytes,
            AbsoluteExpirationRelativeToNow = freshFor + _options.StaleIfError,
        };
        options.RegisterPostEvictionCallback(static (key, value, _, state) =>
            ((MemoryTier)state!).Unindex((string)key, ((Entry)value!).Tags), this);

        foreach (var tag in tags)
        {
            _keysByTag.GetOrAdd(tag, static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[key] = 0;
        }

        _memory.Set(key, entry, options);
    }

    /// <summary>Removes every entry carrying <paramref name="tag"/>; returns how many.</summary>
    public int RemoveByTag(string tag)
    {
        if (!_keysByTag.TryRemove(tag, out var keys))
        {
            return 0;
        }

        foreach (var key in keys.Keys)
        {
            _memory.Remove(key);
        }

        return keys.Count;
    }

    private void Unindex(string key, IReadOnlyList<string> tags)
    {
        foreach (var tag in tags)
        {
            if (_keysByTag.TryGetValue(tag, out var keys))
            {
                keys.TryRemove(key, out _);
            }
        }
    }

    public void Dispose() => _memory.Dispose();

    internal sealed record Entry(CachedVariant Variant, DateTimeOffset FreshUntil, IReadOnlyList<string> Tags)
    {
        public bool IsFresh(DateTimeOffset now) => now < FreshUntil;
    }
}
