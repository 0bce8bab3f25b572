namespace EdgeImages.Telemetry;

/// <summary>
/// What a service adds to a request's log line, set on <c>HttpContext.Features</c> while it answers. The request log
/// reads it typed rather than reading the service's response headers back. Absent, the line says nothing of either.
/// </summary>
public interface IRequestLogFeature
{
    /// <summary>Where the answer came from, as the service says it to clients (the edge's <c>X-Cache</c> value).</summary>
    string Cache { get; }

    /// <summary>The tenant the request was for, once the service trusts it (on the edge, after the signature verified).</summary>
    string? Tenant { get; }

    /// <summary>
    /// A routine answer (on the edge, a fresh cache hit), logged only at <see cref="TelemetryOptions.RequestLogHitSampleRate"/>
    /// unless it failed or its trace is kept.
    /// </summary>
    bool IsRoutine { get; }
}
