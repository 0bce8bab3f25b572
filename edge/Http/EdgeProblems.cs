using System.Globalization;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Transforms;
using EdgeImages.Hosting.Problems;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Http;

/// <summary>
/// The edge's part of its problem responses: every failure it answers is already an <see cref="EdgeProblemException"/>.
/// Its headers: where the answer came from and what it cost, as on every response of the contract (<c>X-Cache</c>,
/// <c>Server-Timing</c>), <c>Allow</c> on a 405, and a 404 that may be cached briefly (negative caching,
/// <see cref="CacheOptions.NotFoundMaxAge"/>) where every other error is <c>no-store</c>; a 404 to a URL with
/// <c>exp</c> is kept by nobody but the browser, and not past <c>exp</c> (<see cref="CacheControlValue"/>). A 404 the
/// edge remembered (<see cref="NotFoundCache"/>) is a cached answer: <c>HIT-MEMORY</c> with its <c>Age</c>.
/// </summary>
internal sealed class EdgeProblems(IOptions<CacheOptions> cacheOptions, TimeProvider timeProvider) : IServiceProblems
{
    public string ServiceName => "edge";

    /// <summary>Domain errors that know nothing of HTTP, each mapped to its status here and nowhere else.</summary>
    public ProblemException? Translate(Exception exception) => exception switch
    {
        GeometryException geometry => EdgeProblemException.BadRequest(geometry.Message),
        _ => null,
    };

    public void Decorate(HttpResponse response, ProblemException problem)
    {
        var now = timeProvider.GetUtcNow();
        var feature = response.HttpContext.Features.Get<IImageRequestFeature>();
        var notFoundMaxAge = cacheOptions.Value.NotFoundMaxAge;
        if (problem.Status == StatusCodes.Status404NotFound && notFoundMaxAge > TimeSpan.Zero)
        {
            // The whole TTL with Age beside it: caches downstream count it from when the edge learnt the 404.
            response.Headers.CacheControl = CacheControlValue.For(notFoundMaxAge, feature?.ExpiresAt, now);
        }

        var remembered = (problem as EdgeProblemException)?.RememberedSince;
        response.Headers[EdgeHeaders.XCache] = EdgeHeaders.XCacheValue(remembered is null ? CacheTier.Miss : CacheTier.Memory);
        if (remembered is { } since)
        {
            response.Headers.Age = Math.Max(0, (long)(now - since).TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        // What is known of the stages (none of an answer that failed before or while being made reads as zero), in
        // the one format of every response.
        response.Headers[EdgeHeaders.ServerTiming] = (feature?.Stages ?? default).ToServerTiming(feature?.CacheLookup ?? TimeSpan.Zero);
        EdgeHeaders.AllowAnyOrigin(response.Headers);
        if (problem.Status == StatusCodes.Status405MethodNotAllowed)
        {
            response.Headers.Allow = EdgeHeaders.AllowedMethods;
        }
    }
}
