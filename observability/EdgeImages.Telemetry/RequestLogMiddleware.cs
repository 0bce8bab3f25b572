using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Telemetry;

/// <summary>
/// One log line per request: method, route template, status, duration, and what the service said of it in its
/// <see cref="IRequestLogFeature"/> (the edge: cache tier and verified tenant). Never the path or the
/// query: on the edge the path starts with a signature and is untrusted until verified, on the origin it sits next
/// to API keys, and the route template already says which endpoint answered. It replaces ASP.NET Core's own
/// "Request starting GET /…" lines, which are switched off for that reason. The trace id comes from the scope.
/// </summary>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, ILogger<RequestLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            // Probes and scrapes come every few seconds from every prober; they would drown the lines that matter.
            var level = TelemetryEndpoints.IsProbe(context.Request.Path) ? LogLevel.Debug : LogLevel.Information;
            if (logger.IsEnabled(level))
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText switch
                {
                    null => "(none)",
                    "" => "/",
                    var pattern => pattern,
                };
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var outcome = context.Features.Get<IRequestLogFeature>();
                Log.Request(logger, level, context.Request.Method, route, context.Response.StatusCode, elapsedMs, outcome?.Cache ?? "", outcome?.Tenant ?? "");
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Message = "{Method} {Route} answered {Status} in {ElapsedMs:0.0} ms (X-Cache: {Cache}, tenant: {Tenant})")]
        public static partial void Request(ILogger logger, LogLevel level, string method, string route, int status, double elapsedMs, string cache, string tenant);
    }
}
