using System.Collections.Concurrent;
using EdgeImages.Edge.Pipeline;

namespace EdgeImages.Edge.Http;

/// <summary>
/// The <c>Cache-Control</c> values of URLs without <c>exp</c>, made once per tenant policy (max-age, stale windows,
/// pinned or not) instead of concatenated on every hit: an edge sends the same few values millions of times. A URL
/// with <c>exp</c> depends on the clock and is made each time. Bounded: past <see cref="MaxEntries"/> policies
/// (never reached by real tenants' settings) values are made each time as before.
/// </summary>
internal sealed class CacheControlCache
{
    private const int MaxEntries = 1024;

    private readonly ConcurrentDictionary<(TimeSpan MaxAge, TimeSpan StaleWhileRevalidate, TimeSpan StaleIfError, bool Pinned), string> _values = new();

    public string For(ImageRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ExpiresAt is not null)
        {
            return ImageResponseWriter.CacheControlFor(request, now);
        }

        var policy = (request.MaxAge, request.StaleWhileRevalidate, request.StaleIfError, request.Original.Version is not null);
        if (_values.TryGetValue(policy, out var value))
        {
            return value;
        }

        value = ImageResponseWriter.CacheControlFor(request, now);
        if (_values.Count < MaxEntries)
        {
            _values.TryAdd(policy, value);
        }

        return value;
    }
}
