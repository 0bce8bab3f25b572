using System.Collections.Concurrent;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Negative caching of originals: concurrent fetches of one original share one request to the origin, and an original
/// the origin does not have is answered 404 from here for <see cref="CacheOptions.NotFoundMaxAge"/>. Keyed by original,
/// not by variant, so a page asking for ten widths of a missing image costs the origin one request per negative TTL.
/// A 404 answered from here is a cached answer, with its tier and <c>Age</c> (<see cref="EdgeProblemException.RememberedSince"/>).
/// Any purge forgets every 404 (purges are rare, and a 404 costs one request to learn again), so that an original
/// uploaded and purged shows at once.
/// </summary>
internal sealed class NotFoundCache(IOptions<CacheOptions> options, TimeProvider timeProvider)
{
    // A bound on remembered 404s (each a key and a time): a scan of random missing paths must not grow memory. Past it
    // the whole set is dropped, which costs at most one more origin request per missing original.
    private const int MaxEntries = 10_000;

    private readonly TimeSpan _maxAge = options.Value.NotFoundMaxAge;
    private readonly ConcurrentDictionary<string, Missing> _missing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SharedFetch> _fetches = new(StringComparer.Ordinal);

    /// <summary>
    /// The key of an original: its origin, tenant, path and version, where unversioned reads carry a marker that no
    /// <c>v:</c> value can spell.
    /// </summary>
    public static string KeyOf(OriginalKey key) =>
        $"{key.Origin}|{key.Tenant}/{key.Path}@{CacheKeys.VersionMarker(key.Version)}";

    /// <summary>
    /// Throws the remembered 404 if <paramref name="key"/> is known to be missing. A miss asks this before it reserves
    /// memory or a transform slot, so that a page asking for fifty widths of a missing image is answered 404 fifty
    /// times, not shed for want of the memory that a fetch would have needed.
    /// </summary>
    public void ThrowIfKnownMissing(OriginalKey key) => ThrowIfKnownMissing(KeyOf(key));

    /// <summary>
    /// The original, fetched by <paramref name="fetch"/> once however many ask at the same time. The shared fetch is not
    /// cancelled by any one caller (the origin pipeline bounds it); each caller stops waiting on its own token. Each
    /// caller disposes what it gets; the fetched original (its pooled buffer) is disposed once the last of them has.
    /// </summary>
    public async Task<Original> FetchAsync(OriginalKey original, Func<Task<Original>> fetch, CancellationToken cancellationToken)
    {
        var key = KeyOf(original);
        ThrowIfKnownMissing(key);
        var shared = Join(key, fetch);
        try
        {
            var fetched = await shared.Original.WaitAsync(cancellationToken).ConfigureAwait(false);
            return fetched with { Owner = new Holding(shared) };
        }
        catch
        {
            shared.Leave();
            throw;
        }
    }

    /// <summary>The fetch of <paramref name="key"/> in flight, held by one more caller, or a new one.</summary>
    private SharedFetch Join(string key, Func<Task<Original>> fetch)
    {
        while (true)
        {
            var candidate = new SharedFetch(() => RememberNotFoundAsync(key, fetch));
            var shared = _fetches.GetOrAdd(key, candidate);
            if (!shared.TryJoin())
            {
                // Every caller of that fetch has stopped waiting, and its original will be disposed as it arrives.
                _fetches.TryRemove(KeyValuePair.Create(key, shared));
                continue;
            }

            if (ReferenceEquals(shared, candidate))
            {
                InFlight.ForgetWhenDone(_fetches, key, candidate, candidate.Original);
            }

            return shared;
        }
    }

    private void ThrowIfKnownMissing(string key)
    {
        if (_missing.TryGetValue(key, out var missing))
        {
            if (timeProvider.GetUtcNow() < missing.Until)
            {
                throw EdgeProblemException.RememberedNotFound(missing.Detail, missing.Since);
            }

            _missing.TryRemove(KeyValuePair.Create(key, missing));
        }
    }

    /// <summary>Forgets every remembered 404 (a purge happened).</summary>
    public void Clear() => _missing.Clear();

    private async Task<Original> RememberNotFoundAsync(string key, Func<Task<Original>> fetch)
    {
        try
        {
            return await fetch().ConfigureAwait(false);
        }
        catch (EdgeProblemException problem) when (problem.Status == StatusCodes.Status404NotFound && _maxAge > TimeSpan.Zero)
        {
            if (_missing.Count >= MaxEntries)
            {
                _missing.Clear();
            }

            var now = timeProvider.GetUtcNow();
            _missing[key] = new Missing(now, now + _maxAge, problem.Detail);
            throw;
        }
    }

    private sealed record Missing(DateTimeOffset Since, DateTimeOffset Until, string Detail);

    /// <summary>
    /// One fetch of an original and the callers holding it: each from when it joins until it disposes what it got or
    /// stops waiting. The original is disposed when the last one lets go (its pooled buffer must not go back to the pool
    /// while a sharer still decodes it, nor twice), and from then on nobody may join.
    /// </summary>
    private sealed class SharedFetch(Func<Task<Original>> start)
    {
        private readonly Lazy<Task<Original>> _original = new(start);
        private int _holders; // -1 once let go by all

        public Task<Original> Original => _original.Value;

        public bool TryJoin()
        {
            var holders = Volatile.Read(ref _holders);
            while (holders >= 0)
            {
                var seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
                if (seen == holders)
                {
                    return true;
                }

                holders = seen;
            }

            return false;
        }

        public void Leave()
        {
            // A caller may join between the count reaching 0 and the close; then it holds the original, and closes it later.
            if (Interlocked.Decrement(ref _holders) == 0 && Interlocked.CompareExchange(ref _holders, -1, 0) == 0)
            {
                _ = Original.ContinueWith(
                    static fetched => fetched.Result.Dispose(),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    /// <summary>One caller's hold on a <see cref="SharedFetch"/>, let go once however often it is disposed.</summary>
    private sealed class Holding(SharedFetch fetch) : IDisposable
    {
        private SharedFetch? _fetch = fetch;

        public void Dispose() => Interlocked.Exchange(ref _fetch, null)?.Leave();
    }
}

/// <summary>Pieces of cache keys shared by the variant cache and the negative cache.</summary>
internal static class CacheKeys
{
    /// <summary>
    /// The version part of a key: the pinned version, or <c>*</c> for "the latest", which no <c>v:</c> value can spell
    /// (they are <c>[A-Za-z0-9_-]</c>; <c>latest</c> was one of them).
    /// </summary>
    public static string VersionMarker(string? version) => version ?? "*";
}
