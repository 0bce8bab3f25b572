using System.Net;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>
/// The per-client limit in front of the image path (health, metrics and the demo page are not limited). It runs before
/// the signature is checked, so a flood of garbage URLs is cut off cheaply. A refusal is counted and becomes a
/// problem+json 429 with <c>Retry-After</c> through the one error writer, outside this middleware.
/// </summary>
internal sealed class ClientRateLimitMiddleware(RequestDelegate next, ClientRateLimiter limiter, EdgeMetrics metrics)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!limiter.IsEnabled
            || !IsImageRequest(context.Request.Path)
            || limiter.TryAcquire(context.Connection.RemoteIpAddress ?? IPAddress.None, out var retryAfter))
        {
            return next(context);
        }

        metrics.RateLimited();
        // Retry-After is written in whole seconds, at least one (ProblemResponse).
        throw new EdgeProblemException(429, "Too many requests", "This client is over its request rate; slow down.", retryAfter);
    }

    // Probes and scrapes come from a handful of addresses every few seconds; a limit there would blind monitoring.
    // PathStrings made once: a string on the right of == is converted on every comparison.
    private static readonly PathString[] Unlimited = ["/", "/favicon.ico", "/healthz", "/readyz", "/metrics"];

    private static bool IsImageRequest(PathString path) => Array.IndexOf(Unlimited, path) < 0;
}
