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
/// "Request starting GET /…" lines, which are switched off for that reason. Routine answers (the edge's cache hits)
/// are sampled at <see cref="TelemetryOptions.RequestLogHitSampleRate"/>; errors and everything else always get their
/// line. The line is only captured here; <see cref="RequestLogWriter"/> formats and writes it off the request path.
/// An error (5xx) also keeps the request's trace (<see cref="RequestTrace.Keep(HttpContext)"/>).
/// </summary>
internal sealed class RequestLogMiddleware(RequestDelegate next, RequestLogWriter writer, TelemetryOptions options)
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
            var status = context.Response.StatusCode;
            if (status >= StatusCodes.Status500InternalServerError)
            {
                RequestTrace.Keep(context);
            }

            var activity = RequestTrace.Of(context);

            // Probes and scrapes come every few seconds from every prober; they would drown the lines that matter.
            var level = TelemetryEndpoints.IsProbe(context.Request.Path) ? LogLevel.Debug : LogLevel.Information;
            var outcome = context.Features.Get<IRequestLogFeature>();
            if (writer.IsEnabled(level)
                && RequestLogSampling.ShouldWrite(outcome?.IsRoutine ?? false, status, activity?.Recorded ?? false, options.RequestLogHitSampleRate, Random.Shared.NextDouble()))
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText switch
                {
                    null => "(none)",
                    "" => "/",
                    var pattern => pattern,
                };
                writer.Enqueue(new RequestLogEntry(
                    level,
                    context.Request.Method,
                    route,
                    status,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    outcome?.Cache ?? "",
                    outcome?.Tenant ?? "",
                    activity?.TraceId ?? default,
                    activity?.SpanId ?? default,
                    activity?.ParentSpanId ?? default));
            }
        }
    }
}
