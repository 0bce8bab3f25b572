namespace EdgeImages.Telemetry;

/// <summary>What one service adds to the shared telemetry: its own meters and activity sources, and how its paths are redacted.</summary>
public sealed class TelemetrySetup
{
    internal TelemetrySetup(string serviceName) => ServiceName = serviceName;

    /// <summary>The <c>service.name</c> resource attribute: <c>edge</c>, <c>origin</c>, <c>control-plane</c>.</summary>
    public string ServiceName { get; }

    /// <summary>Names of the service's own <see cref="System.Diagnostics.Metrics.Meter"/>s, exported on <c>/metrics</c>.</summary>
    public IList<string> Meters { get; } = [];

    /// <summary>Names of the service's own <see cref="System.Diagnostics.ActivitySource"/>s, exported as spans.</summary>
    public IList<string> ActivitySources { get; } = [];

    /// <summary>
    /// Rewrites a request path, the <c>url.path</c> of every span that is exported, before it is exported. The edge's
    /// paths start with a URL signature, which must leave the process nowhere; other services keep their paths as they are.
    /// </summary>
    public Func<string, string>? RedactPath { get; set; }

    /// <summary>
    /// The service makes its own server spans (<see cref="ServerSpanMiddleware"/>) instead of ASP.NET Core's: only for
    /// requests the head decision keeps, or that call <see cref="RequestTrace.Keep"/>. For a service whose routine
    /// requests cost about as much as a span (the edge's cache hits); the others keep ASP.NET Core's instrumentation.
    /// </summary>
    public bool DeferServerSpans { get; set; }

    /// <summary>
    /// Leaves ASP.NET Core's <c>http.server.active_requests</c> out: it is two measurements on every request, each a
    /// lookup of its tag set, for a service whose routine requests cost little more (the edge's cache hits) and that
    /// shows its saturation by other means (queue depth, requests shed).
    /// </summary>
    public bool OmitActiveRequests { get; set; }
}
