namespace EdgeImages.Edge.Diagnostics;

/// <summary>
/// Counts every answered image request by status and <c>X-Cache</c> tier, errors included, so it runs outside the
/// problem middleware and reads the response as the client got it. Other endpoints (demo page, health, metrics,
/// admin) are not image traffic and would skew the hit ratio.
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
            metrics.RequestAnswered(context.Response.StatusCode, context.Response.Headers["X-Cache"].ToString());
        }
    }
}

/// <summary>Marks the image endpoint, the one whose requests <see cref="EdgeRequestMetricsMiddleware"/> counts.</summary>
internal sealed class ImageEndpointMetadata
{
    public static ImageEndpointMetadata Instance { get; } = new();
}
