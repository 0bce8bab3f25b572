using System.Collections.Concurrent;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Negative caching of originals: concurrent fetches of one original share one request to the origin, and an original
/// the origin does not have is answered 404 from here for <see cref="CacheOptions.NotFoundMaxAge"/>. Keyed by original,
/// not by variant, so a page asking for ten widths of a missing image costs the origin one request per negative TTL.
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
    private readonly ConcurrentDictionary<string, Lazy<Task<Original>>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>The key of an original in an origin cluster; unversioned reads carry a marker that no <c>v:</c> value can spell.</summary>
    public static string KeyOf(string clusterId, OriginalKey key) =>
        $"{clusterId}|{key.Tenant}/{key.Path}@{CacheKeys.VersionMarker(key.Version)}";

    /// <summary>
    /// The original, fetched by <paramref name="fetch"/> once however many ask at the same time. The shared fetch is not
    /// cancelled by any one caller (the origin pipeline bounds it); each caller stops waiting on its own token.
    /// </summary>
    public async Task<Original> FetchAsync(string key, Func<Task<Original>> fetch, CancellationToken cancellationToken)
    {
        if (_missing.TryGetValue(key, out var missing))
        {
            if (timeProvider.GetUtcNow() < missing.Until)
            {
                throw EdgeProblemException.NotFound(missing.Detail);
            }

            _missing.TryRemove(KeyValuePair.Create(key, missing));
        }

        var candidate = new Lazy<Task<Original>>(() => RememberNotFoundAsync(key, fetch));
        var winner = _inFlight.GetOrAdd(key, candidate);
        if (ReferenceEquals(winner, candidate))
        {
            _ = winner.Value.ContinueWith(
                _ => _inFlight.TryRemove(KeyValuePair.Create(key, candidate)),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return await winner.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
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

            _missing[key] = new Missing(timeProvider.GetUtcNow() + _maxAge, problem.Detail);
            throw;
        }
    }

    private sealed record Missing(DateTimeOffset Until, string Detail);
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
