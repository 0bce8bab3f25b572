using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Transforms;
using EdgeImages.Hosting.Problems;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Http;

/// <summary>
/// The edge's part of its problem responses: every failure it answers is already an <see cref="EdgeProblemException"/>.
/// Its headers: <c>X-Cache: MISS</c>, <c>Allow</c> on a 405, and a 404 that may be cached briefly (negative
/// caching, <see cref="CacheOptions.NotFoundMaxAge"/>) where every other error is <c>no-store</c>; a 404 to a URL
/// with <c>exp</c> is kept by nobody but the browser, and not past <c>exp</c> (<see cref="CacheControlValue"/>).
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
        var notFoundMaxAge = cacheOptions.Value.NotFoundMaxAge;
        if (problem.Status == StatusCodes.Status404NotFound && notFoundMaxAge > TimeSpan.Zero)
        {
            var expiresAt = response.HttpContext.Features.Get<IImageRequestFeature>()?.ExpiresAt;
            response.Headers.CacheControl = CacheControlValue.For(notFoundMaxAge, expiresAt, timeProvider.GetUtcNow());
        }

        response.Headers[EdgeHeaders.XCache] = EdgeHeaders.XCacheValue(CacheTier.Miss);
        if (problem.Status == StatusCodes.Status405MethodNotAllowed)
        {
            response.Headers.Allow = "GET, HEAD";
        }
    }
}
