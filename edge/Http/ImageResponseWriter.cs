using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Pipeline;
using Microsoft.Net.Http.Headers;

namespace EdgeImages.Edge.Http;

/// <summary>The last step: caching headers, conditional requests, <c>HEAD</c>, then the bytes on the wire.</summary>
internal static class ImageResponseWriter
{
    /// <summary>A pinned version never changes, so browsers and CDNs may keep it for a year without asking.</summary>
    internal const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    /// <param name="elapsed">Time from the cache lookup until now: the whole of a hit, or a miss's wait.</param>
    /// <param name="now">The edge's clock now, for <c>Age</c>.</param>
    public static Task WriteAsync(HttpContext context, ImageRequest request, CacheLookup lookup, TimeSpan elapsed, DateTimeOffset now)
    {
        var response = context.Response;
        var variant = lookup.Variant;
        var headers = response.Headers;

        headers.ETag = variant.ETag;
        headers.CacheControl = request.Original.Version is not null
            ? ImmutableCacheControl
            : CacheControlOf(request);
        if (lookup.Tier != CacheTier.Miss)
        {
            // RFC 9111 §5.1: a copy from a cache says how old it is, so that caches downstream count its max-age from
            // when it was made. A STALE copy always carries it (it is past max-age, and says so).
            headers.Age = variant.AgeSeconds(now).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (request.VariesByAccept)
        {
            headers.Vary = HeaderNames.Accept;
        }

        headers[EdgeHeaders.XCache] = EdgeHeaders.XCacheValue(lookup.Tier);
        // A hit spent its time in the cache and none in the stages; a miss reports what making it cost.
        headers[EdgeHeaders.ServerTiming] = lookup.Tier == CacheTier.Miss
            ? variant.Timings.ToServerTiming(TimeSpan.Zero)
            : default(StageTimings).ToServerTiming(elapsed);
        headers[EdgeHeaders.TimingAllowOrigin] = "*";
        headers.XContentTypeOptions = "nosniff";

        if (IfNoneMatchMatches(context.Request, variant.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = variant.ContentType;
        response.ContentLength = variant.Content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(variant.Content, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// <c>max-age</c> and the RFC 5861 windows in which this edge itself answers past it; browsers and CDNs may do the
    /// same. A window of zero is not advertised.
    /// </summary>
    internal static string CacheControlOf(ImageRequest request)
    {
        var value = $"public, max-age={(long)request.MaxAge.TotalSeconds}";
        if (request.StaleWhileRevalidate > TimeSpan.Zero)
        {
            value += $", stale-while-revalidate={(long)request.StaleWhileRevalidate.TotalSeconds}";
        }

        if (request.StaleIfError > TimeSpan.Zero)
        {
            value += $", stale-if-error={(long)request.StaleIfError.TotalSeconds}";
        }

        return value;
    }

    /// <summary>RFC 9110 §13.1.2: a weak comparison against every listed tag, or <c>*</c>.</summary>
    internal static bool IfNoneMatchMatches(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0 || !EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var current = EntityTagHeaderValue.Parse(etag);
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }
}

/// <summary>Header names and values of the URL contract that ASP.NET Core does not name.</summary>
internal static class EdgeHeaders
{
    public const string XCache = "X-Cache";
    public const string ServerTiming = "Server-Timing";
    public const string TimingAllowOrigin = "Timing-Allow-Origin";

    public static string XCacheValue(CacheTier tier) => tier switch
    {
        CacheTier.Memory => "HIT-MEMORY",
        CacheTier.Redis => "HIT-REDIS",
        CacheTier.Stale => "STALE",
        _ => "MISS",
    };
}
