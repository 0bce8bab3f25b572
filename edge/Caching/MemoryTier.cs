using EdgeImages.Edge.Diagnostics;
using EdgeImages.Etcd.Purges;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// L1: variants in this process, bounded in bytes. Each entry is charged its body, its key, its tags and their place
/// in the tag index, so that many small variants of long paths still count what they hold. An entry is fresh for its
/// tenant's max-age and then kept, stale, for the longer of its tenant's two RFC 5861 windows (by default
/// <see cref="CacheOptions.StaleIfError"/>), so that an origin outage can still be answered for as long as it advertises. A tag index makes purges by original, folder or tenant exact rather than a scan.
/// </summary>
internal sealed class MemoryTier : IDisposable
{
    // Per-entry bookkeeping beyond the body and the strings (record, cache entry, expiry), so many tiny variants still count.
    private const int EntryOverheadBytes = 256;

    // One tag's place in the index: a slot in the tag's key set and, for the first key of a tag, the dictionary entry.
    private const int TagIndexOverheadBytes = 64;

    private readonly MemoryCache _memory;
    private readonly CacheOptions _options;
    private readonly TimeProvider _timeProvider;

    // The tag index, guarded by _index together with the cache writes it describes. An eviction callback runs later,
    // on the thread pool: by then a successor may hold the same key (a refresh replaced the entry, or refilled it once
    // it expired), and unindexing the key would hide that successor from every later purge. Under one lock the
    // callback can see the successor and leave the index alone.
    private readonly Lock _index = new();
    private readonly Dictionary<string, HashSet<string>> _keysByTag = new(StringComparer.Ordinal);

    // The fence that keeps bytes fetched before a purge out of the tier after it, per tag: each purge takes the next
    // sequence number and, while fills that began before it are running, remembers it for its tag. A fill keeps its
    // variant only if none of the variant's tags was purged since the fill began, so one tenant's purges never discard
    // another tenant's fills. Fills in flight are counted by the sequence they began at, so the memory of purges is
    // dropped as soon as no fill could be concerned by it.
    private readonly Dictionary<string, long> _purgedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _fillsBegunAt = [];
    private long _sequence;
    private long _clearedAt;
    private long _distributedDroppedAt;

    public MemoryTier(IOptions<CacheOptions> options, TimeProvider timeProvider, EdgeMetrics? metrics = null)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        // Expiry by the edge's TimeProvider, as freshness is: an entry leaves when its stale windows have passed on the
        // same clock that decided it was stale.
        _memory = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = _options.MemoryLimitBytes,
            TrackStatistics = true,
            Clock = new TimeProviderClock(timeProvider),
        });
        metrics?.TrackMemoryTier(() => CurrentBytes, () => CurrentEntries);
    }

    /// <summary>Bytes the tier holds now: bodies, keys, tags and per-entry overhead.</summary>
    public long CurrentBytes => _memory.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>Entries the tier holds now.</summary>
    public long CurrentEntries => _memory.GetCurrentStatistics()?.CurrentEntryCount ?? 0;

    /// <summary>What one entry is charged against <see cref="CacheOptions.MemoryLimitBytes"/>.</summary>
    public static long Cost(string key, CachedVariant variant, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentNullException.ThrowIfNull(tags);
        long cost = variant.Content.Length + EntryOverheadBytes + (2L * key.Length);
        foreach (var tag in tags)
        {
            cost += (2L * tag.Length) + TagIndexOverheadBytes;
        }

        return cost;
    }

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
    /// Marks a fill as begun; hand the ticket to <see cref="TrySet"/> and, whatever happens, to <see cref="EndFill"/>.
    /// </summary>
    public FillTicket BeginFill()
    {
        lock (_index)
        {
            var begunAt = _sequence;
            _fillsBegunAt[begunAt] = _fillsBegunAt.GetValueOrDefault(begunAt) + 1;
            return new FillTicket(begunAt);
        }
    }

    public void EndFill(FillTicket ticket)
    {
        lock (_index)
        {
            if (_fillsBegunAt.TryGetValue(ticket.BegunAt, out var count) && count > 1)
            {
                _fillsBegunAt[ticket.BegunAt] = count - 1;
                return;
            }

            _fillsBegunAt.Remove(ticket.BegunAt);
            ForgetPurgesNoFillCanSee();
        }
    }

    /// <summary>
    /// Keeps the variant unless, since <paramref name="ticket"/> was taken, one of its <paramref name="tags"/> was
    /// purged, the tier was cleared, or (for bytes read from Redis, <paramref name="fromDistributed"/>) the region's
    /// Redis generation was dropped.
    /// </summary>
    /// <param name="keepStaleFor">How long past its freshness the entry stays to answer stale; null: <c>Caching:StaleIfError</c>.</param>
    /// <returns>False when nothing was kept.</returns>
    public bool TrySet(
        string key, CachedVariant variant, IReadOnlyList<string> tags, TimeSpan freshFor, FillTicket ticket, bool fromDistributed, TimeSpan? keepStaleFor = null)
    {
        // Fresh for max-age from when the variant was made, not from when it reached this tier (a Redis copy may be old).
        var madeAt = variant.MadeAt == default ? _timeProvider.GetUtcNow() : variant.MadeAt;
        var entry = new Entry(variant, madeAt + freshFor, tags, fromDistributed);
        var options = new MemoryCacheEntryOptions
        {
            Size = Cost(key, variant, tags),
            AbsoluteExpirationRelativeToNow = freshFor + (keepStaleFor ?? _options.StaleIfError),
        };
        options.RegisterPostEvictionCallback(static (key, value, _, state) => ((MemoryTier)state!).Unindex((string)key, (Entry)value!), this);

        lock (_index)
        {
            if (ticket.BegunAt < _clearedAt || (fromDistributed && ticket.BegunAt < _distributedDroppedAt) || tags.Any(tag => _purgedAt.GetValueOrDefault(tag) > ticket.BegunAt))
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
    public int RemoveByTag(string tag) => RemoveByTag(tag, within: null);

    /// <summary>
    /// Removes the entries carrying <paramref name="tag"/>, only those whose original <paramref name="within"/> covers
    /// when given (a folder deeper than the tags reach); fills under <paramref name="tag"/> that are running are fenced.
    /// </summary>
    /// <returns>How many entries were removed.</returns>
    public int RemoveByTag(string tag, PurgeTarget? within)
    {
        List<string> doomed;
        lock (_index)
        {
            _sequence++;
            if (_fillsBegunAt.Count > 0)
            {
                _purgedAt[tag] = _sequence;
            }

            if (!_keysByTag.TryGetValue(tag, out var keys))
            {
                return 0;
            }

            doomed = within is null
                ? [.. keys]
                : [.. keys.Where(key => _memory.TryGetValue(key, out Entry? entry) && entry is not null
                    && CacheTags.TryGetOriginal(entry.Tags, out var tenant, out var path) && within.Covers(tenant, path))];
            if (within is null)
            {
                _keysByTag.Remove(tag);
            }
        }

        foreach (var key in doomed)
        {
            _memory.Remove(key);
        }

        return doomed.Count;
    }

    /// <summary>Removes every entry and fences every running fill: for an edge that cannot prove what it holds is clean.</summary>
    public void Clear()
    {
        lock (_index)
        {
            _clearedAt = ++_sequence;
            _keysByTag.Clear();
            _memory.Clear();
        }
    }

    /// <summary>
    /// Removes every entry whose bytes came from the region's Redis, and fences running fills reading it: the
    /// region's Redis generation was dropped, because an edge of the region may have written bytes a purge it missed
    /// should have evicted. Entries this edge made itself stay: it applied every purge.
    /// </summary>
    public int RemoveFromDistributed()
    {
        List<string> doomed;
        lock (_index)
        {
            _distributedDroppedAt = ++_sequence;
            doomed = [.. _memory.Keys.OfType<string>().Where(key => _memory.TryGetValue(key, out Entry? entry) && entry is { FromDistributed: true })];
        }

        foreach (var key in doomed)
        {
            _memory.Remove(key);
        }

        return doomed.Count;
    }

    private void ForgetPurgesNoFillCanSee()
    {
        if (_fillsBegunAt.Count == 0)
        {
            _purgedAt.Clear();
            return;
        }

        var oldest = _fillsBegunAt.Keys.Min();
        foreach (var (tag, at) in _purgedAt.ToList())
        {
            if (at <= oldest)
            {
                _purgedAt.Remove(tag);
            }
        }
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

    internal sealed record Entry(CachedVariant Variant, DateTimeOffset FreshUntil, IReadOnlyList<string> Tags, bool FromDistributed)
    {
        public bool IsFresh(DateTimeOffset now) => now < FreshUntil;
    }

    /// <summary>When a fill began, in purges applied: see <see cref="BeginFill"/>.</summary>
    internal readonly record struct FillTicket(long BegunAt);

    private sealed class TimeProviderClock(TimeProvider timeProvider) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => timeProvider.GetUtcNow();
    }
}
