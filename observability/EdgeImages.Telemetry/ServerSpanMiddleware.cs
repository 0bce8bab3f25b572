using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeImages.Telemetry;

/// <summary>
/// The server span of a service that makes its own (<see cref="TelemetrySetup.DeferServerSpans"/>) instead of ASP.NET
/// Core's. OpenTelemetry's ASP.NET Core instrumentation listens to the host's diagnostic events, and while anyone
/// listens the host starts an <see cref="Activity"/> for every request before any middleware runs, whatever the
/// sampler decides: for the edge's cache hits, most of which are never traced, that span, its tags and the
/// <c>Activity.Current</c> it sets were half of what a hit allocated. Here the head decision comes first (parent-based:
/// a caller's sampled flag decides; a new trace is kept at <see cref="TelemetryOptions.TraceSampleRatio"/>), a kept
/// request gets its span at once, and any other gets one only if <see cref="RequestTrace.Keep(HttpContext)"/> is
/// called (a miss, an error), dated from its arrival. The tags are those of the HTTP semantic conventions that the
/// dashboards and tests read, set when the span ends.
/// </summary>
internal sealed class ServerSpanMiddleware(RequestDelegate next, TelemetryOptions options, TimeProvider time)
{
    internal const string SourceName = "EdgeImages.Telemetry.Server";
    internal const string SpanName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    internal static readonly ActivitySource Source = new(SourceName);

    public async Task InvokeAsync(HttpContext context)
    {
        // Probes and scrapes are not traffic; tracing them would bury the requests in noise.
        if (TelemetryEndpoints.IsProbe(context.Request.Path) || !Source.HasListeners())
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var trace = new RequestTrace(Parent(context.Request.Headers), time.GetTimestamp(), time);
        context.Features.Set(trace);
        if (HeadKeeps(trace, options.TraceSampleRatio))
        {
            trace.StartNow();
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            if (trace.Activity is { } span)
            {
                End(span, context);
            }
        }
    }

    /// <summary>Parent-based: a caller's decision stands; a new trace is kept at the ratio (its id would be as random).</summary>
    internal static bool HeadKeeps(ActivityContext parent, double ratio, double draw) =>
        parent != default ? parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) : draw < ratio;

    private static bool HeadKeeps(RequestTrace trace, double ratio) => HeadKeeps(trace.Parent, ratio, Random.Shared.NextDouble());

    private static ActivityContext Parent(IHeaderDictionary headers)
    {
        var traceParent = headers.TraceParent;
        if (traceParent.Count != 1)
        {
            return default;
        }

        var traceState = headers.TraceState;
        return ActivityContext.TryParse(traceParent.ToString(), traceState.Count == 1 ? traceState.ToString() : null, isRemote: true, out var parent)
            ? parent
            : default;
    }

    private static void End(Activity span, HttpContext context)
    {
        if (span.IsAllDataRequested)
        {
            var request = context.Request;
            var status = context.Response.StatusCode;
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            span.DisplayName = route is null ? request.Method : $"{request.Method} {route}";
            span.SetTag("http.request.method", request.Method);
            span.SetTag("url.scheme", request.Scheme);
            span.SetTag("url.path", request.Path.Value);
            if (route is not null)
            {
                span.SetTag("http.route", route);
            }

            span.SetTag("http.response.status_code", status);
            if (status >= StatusCodes.Status500InternalServerError)
            {
                span.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                span.SetStatus(ActivityStatusCode.Error);
            }
        }

        span.Stop();
    }
}
