using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;

namespace EdgeImages.Edge.Diagnostics;

/// <summary>
/// Counts every answered image request by status and cache tier, errors included, so it runs outside the problem
/// middleware and sees the status the client got. The tier is the request's <see cref="IImageRequestFeature"/>: a
/// request refused before the handler ran (the per-client limit) has none, and is a miss, as its <c>X-Cache</c> says.
/// Other endpoints (demo page, health, metrics, admin) are not image traffic and would skew the hit ratio.
/// </summary>
internal sealed class EdgeRequestMetricsMiddleware(RequestDelegate next, EdgeMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ImageEndpointMetadata>() is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var tier = context.Features.Get<IImageRequestFeature>()?.Tier ?? CacheTier.Miss;
            metrics.RequestAnswered(context.Response.StatusCode, tier);
        }
    }
}

/// <summary>Marks the image endpoint, the one whose requests <see cref="EdgeRequestMetricsMiddleware"/> counts.</summary>
internal sealed class ImageEndpointMetadata
{
    public static ImageEndpointMetadata Instance { get; } = new();
}
