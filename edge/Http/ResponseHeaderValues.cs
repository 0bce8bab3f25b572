using System.Collections.Concurrent;
using System.Globalization;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Pipeline;

namespace EdgeImages.Edge.Http;

/// <summary>
/// Header values an edge sends millions of times, made once instead of on every hit: <c>Cache-Control</c> per tenant
/// policy, a hit's <c>Server-Timing</c> per microsecond of lookup under a millisecond, and <c>Age</c> per second for
/// the first hour. What falls outside (a URL with <c>exp</c>, whose <c>Cache-Control</c> depends on the clock; a slow
/// lookup; an old copy) is made each time, as before. Each set is bounded: strings are made as first asked for.
/// </summary>
internal sealed class ResponseHeaderValues
{
    private const int MaxPolicies = 1024;
    private const int TimedMicroseconds = 1000;
    private const int AgedSeconds = 3600;

    private readonly ConcurrentDictionary<(TimeSpan MaxAge, TimeSpan StaleWhileRevalidate, TimeSpan StaleIfError, bool Pinned), string> _cacheControl = new();
    private readonly string?[] _hitTimings = new string?[TimedMicroseconds];
    private readonly string?[] _ages = new string?[AgedSeconds];

    /// <summary>The <c>Cache-Control</c> of <paramref name="request"/> (<see cref="ImageResponseWriter.CacheControlFor"/> is the rule).</summary>
    public string CacheControl(ImageRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ExpiresAt is not null)
        {
            return ImageResponseWriter.CacheControlFor(request, now);
        }

        var policy = (request.MaxAge, request.StaleWhileRevalidate, request.StaleIfError, request.Original.Version is not null);
        if (_cacheControl.TryGetValue(policy, out var value))
        {
            return value;
        }

        value = ImageResponseWriter.CacheControlFor(request, now);
        if (_cacheControl.Count < MaxPolicies)
        {
            _cacheControl.TryAdd(policy, value);
        }

        return value;
    }

    /// <summary>
    /// <c>Server-Timing</c> (<see cref="StageTimings.ToServerTiming"/>). A hit made no stages and its lookup is
    /// reported to the microsecond ("0.###" ms), so the values of hits under a millisecond are a thousand strings.
    /// </summary>
    public string ServerTiming(StageTimings stages, TimeSpan cacheLookup)
    {
        if (stages == default)
        {
            var micros = Math.Round(cacheLookup.TotalMilliseconds * 1000);
            if (micros is >= 0 and < TimedMicroseconds)
            {
                var index = (int)micros;
                // Two threads may both make it; they make the same string.
                return _hitTimings[index] ??= stages.ToServerTiming(TimeSpan.FromTicks(index * TimeSpan.TicksPerMicrosecond));
            }
        }

        return stages.ToServerTiming(cacheLookup);
    }

    /// <summary>RFC 9111 §5.1 <c>Age</c> in whole seconds.</summary>
    public string Age(long seconds)
    {
        if (seconds is >= 0 and < AgedSeconds)
        {
            return _ages[seconds] ??= seconds.ToString(CultureInfo.InvariantCulture);
        }

        return seconds.ToString(CultureInfo.InvariantCulture);
    }
}
