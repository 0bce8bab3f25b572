using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Pipeline;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace EdgeImages.Edge.Http;

/// <summary>
/// The last step: caching headers, where the answer came from, conditional requests, <c>HEAD</c>, then the bytes on
/// the wire. What the request became (tier, timings) it reads from the request's <see cref="IImageRequestFeature"/>.
/// </summary>
internal static class ImageResponseWriter
{
    /// <summary>A pinned version never changes, so browsers and CDNs may keep it for a year without asking.</summary>
    internal const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    private static readonly TimeSpan PinnedMaxAge = TimeSpan.FromDays(365);

    /// <param name="context">The request being answered.</param>
    /// <param name="feature">Its <see cref="IImageRequestFeature"/>, which says how it was answered.</param>
    /// <param name="request">The verified request.</param>
    /// <param name="lookup">The cache's answer: the bytes and validators to send.</param>
    /// <param name="now">The edge's clock now, for <c>Age</c> and for how long an expiring URL may still be cached.</param>
    /// <param name="values">Header values already made (<see cref="CacheControlFor"/> is the rule of <c>Cache-Control</c>).</param>
    public static Task WriteAsync(HttpContext context, IImageRequestFeature feature, ImageRequest request, CacheLookup lookup, DateTimeOffset now, ResponseHeaderValues values)
    {
        var response = context.Response;
        var variant = lookup.Variant;

        response.Headers.ETag = variant.ETag;
        response.Headers.CacheControl = values.CacheControl(request, now);
        if (lookup.Tier != CacheTier.Miss)
        {
            // RFC 9111 §5.1: a copy from a cache says how old it is, so that caches downstream count its max-age from
            // when it was made. A STALE copy always carries it (it is past max-age, and says so).
            response.Headers.Age = values.Age(variant.AgeSeconds(now));
        }

        if (request.VariesByAccept)
        {
            response.Headers.Vary = HeaderNames.Accept;
        }

        WriteProvenance(response.Headers, feature, values);
        response.Headers.XContentTypeOptions = "nosniff";

        if (IfNoneMatchMatches(context.Request, variant.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        return WriteBodyAsync(context, variant);
    }

    /// <summary>
    /// The <c>Cache-Control</c> of a 200 or 304. A URL with <c>exp</c> stops working at that instant, so no shared
    /// cache may keep it (<c>private</c>) and no cache may keep it past then (<c>max-age</c> at most the seconds left,
    /// never <c>immutable</c>), pinned version or not. Otherwise a pinned version is immutable for a year, and an
    /// unversioned one is fresh for the tenant's max-age, with the RFC 5861 windows in which this edge itself answers
    /// past it (browsers and CDNs may do the same; a window of zero is not advertised).
    /// </summary>
    internal static string CacheControlFor(ImageRequest request, DateTimeOffset now) => request switch
    {
        { ExpiresAt: null, Original.Version: not null } => ImmutableCacheControl,
        { Original.Version: not null } => CacheControlValue.For(PinnedMaxAge, request.ExpiresAt, now),
        { ExpiresAt: not null } => CacheControlValue.For(request.MaxAge, request.ExpiresAt, now),
        _ => CacheControlValue.For(request.MaxAge, null, now) + StaleDirectives(request),
    };

    private static string StaleDirectives(ImageRequest request)
    {
        var value = "";
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

    /// <summary><c>X-Cache</c> and <c>Server-Timing</c>, as the contract has every response say where it came from.</summary>
    private static void WriteProvenance(IHeaderDictionary headers, IImageRequestFeature feature, ResponseHeaderValues values)
    {
        headers[EdgeHeaders.XCache] = EdgeHeaders.XCacheValue(feature.Tier);
        headers[EdgeHeaders.ServerTiming] = values.ServerTiming(feature.Stages, feature.CacheLookup);
        EdgeHeaders.AllowAnyOrigin(headers);
    }

    private static Task WriteBodyAsync(HttpContext context, CachedVariant variant)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = variant.ContentType;
        response.ContentLength = variant.Content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(variant.Content, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// <c>OPTIONS</c>: the methods an image URL allows and, for a CORS preflight (a page's <c>fetch</c> that sends a
    /// header beyond the safelisted ones, such as <c>If-None-Match</c>), that any origin may send them with any header.
    /// The answer is the same for every URL, so nothing is verified, looked up or fetched for it, and browsers may keep
    /// it for a day (Chrome caps that at two hours).
    /// </summary>
    public static void WriteOptions(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status204NoContent;
        var headers = response.Headers;
        headers.Allow = EdgeHeaders.AllowedMethods;
        headers.AccessControlAllowMethods = EdgeHeaders.AllowedMethods;
        headers.AccessControlAllowHeaders = "*";
        headers.AccessControlMaxAge = "86400";
        headers[EdgeHeaders.XCache] = EdgeHeaders.XCacheValue(CacheTier.Miss);
        headers[EdgeHeaders.ServerTiming] = default(StageTimings).ToServerTiming(TimeSpan.Zero);
        EdgeHeaders.AllowAnyOrigin(headers);
    }

    /// <summary>RFC 9110 §13.1.2: a weak comparison against every listed tag, or <c>*</c>.</summary>
    internal static bool IfNoneMatchMatches(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0 || !EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        // A loop, not Any with a lambda: its closure would be made on every request, with or without the header.
        var current = EntityTagHeaderValue.Parse(etag);
        foreach (var tag in tags)
        {
            if (tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Header names and values of the URL contract that ASP.NET Core does not name.</summary>
internal static class EdgeHeaders
{
    public const string XCache = "X-Cache";
    public const string ServerTiming = "Server-Timing";
    public const string TimingAllowOrigin = "Timing-Allow-Origin";

    /// <summary>What an image URL may be asked with (<c>Allow</c> of a 405 and of <c>OPTIONS</c>).</summary>
    public const string AllowedMethods = "GET, HEAD";

    // What a page's script may read of a cross-origin answer beyond the CORS-safelisted headers.
    private const string ExposedHeaders = "X-Cache, Age, ETag, Server-Timing";

    /// <summary>
    /// CORS for every answer, image or problem: a signed URL is a public capability (anyone holding it may fetch it,
    /// no cookies or credentials are involved), so any origin may read it, which an <c>&lt;img crossorigin&gt;</c> drawn
    /// on a canvas, a <c>fetch</c> of <c>f:json</c> and a page's own timing reads need. <c>*</c>, never the caller's
    /// origin echoed back, so that nothing varies by <c>Origin</c> and the cache keeps one copy.
    /// </summary>
    public static void AllowAnyOrigin(IHeaderDictionary headers)
    {
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlExposeHeaders = ExposedHeaders;
        headers[TimingAllowOrigin] = "*";
    }

    public static string XCacheValue(CacheTier tier) => tier switch
    {
        CacheTier.Memory => "HIT-MEMORY",
        CacheTier.Redis => "HIT-REDIS",
        CacheTier.Stale => "STALE",
        _ => "MISS",
    };
}
