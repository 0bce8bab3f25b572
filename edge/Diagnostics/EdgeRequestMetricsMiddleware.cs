using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;

namespace EdgeImages.Edge.Diagnostics;

/// <summary>
/// Counts every answered image request by status and cache tier, errors included, so it runs outside the problem
/// middleware and sees the status the client got. The tier is the request's <see cref="IImageRequestFeature"/>: a
/// request refused before the handler ran (the per-client limit) has none, and is a miss, as its <c>X-Cache</c> says.
/// Other endpoints (demo page, health, metrics, admin) are not image traffic and would skew the hit ratio. A path too
/// short to be an image URL is known to be one of these or a malformed image URL only once routing ran: if the limit
/// refuses it before that, it is not counted.
/// </summary>
internal sealed class EdgeRequestMetricsMiddleware(RequestDelegate next, EdgeMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            // Read after the answer: an image URL is marked before this runs (ImageRoute), a shorter path only once
            // routing, which comes later, has matched it to the same handler.
            if (context.GetEndpoint()?.Metadata.GetMetadata<ImageEndpointMetadata>() is not null)
            {
                var tier = context.Features.Get<IImageRequestFeature>()?.Tier ?? CacheTier.Miss;
                metrics.RequestAnswered(context.Response.StatusCode, tier);
            }
        }
    }
}

/// <summary>Marks the image endpoint, the one whose requests <see cref="EdgeRequestMetricsMiddleware"/> counts.</summary>
internal sealed class ImageEndpointMetadata
{
    public static ImageEndpointMetadata Instance { get; } = new();
}
