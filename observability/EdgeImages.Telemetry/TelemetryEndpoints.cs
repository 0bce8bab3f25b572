using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeImages.Telemetry;

/// <summary>Wires the request log, <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> into a built application.</summary>
public static class TelemetryEndpoints
{
    public const string MetricsPath = "/metrics";
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    /// <summary>
    /// Call first when building the pipeline, before the service's error middleware, so that the request log sees
    /// the status the client got. Liveness runs no check (a dead database must not get every node restarted);
    /// readiness runs every registered health check: 200 when healthy or degraded, 503 when any is unhealthy.
    /// </summary>
    public static WebApplication UseEdgeImagesTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<TelemetrySetup>().DeferServerSpans)
        {
            // Outside the request log, so that the span is still open when the log line reads its trace id.
            app.UseMiddleware<ServerSpanMiddleware>();
        }

        app.UseMiddleware<RequestLogMiddleware>();
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
        return app;
    }

    // Made once: a string on the right of == is converted to a PathString on every comparison, and this runs twice a request.
    private static readonly PathString Metrics = MetricsPath;
    private static readonly PathString Liveness = LivenessPath;
    private static readonly PathString Readiness = ReadinessPath;

    internal static bool IsProbe(PathString path) => path == Metrics || path == Liveness || path == Readiness;
}
