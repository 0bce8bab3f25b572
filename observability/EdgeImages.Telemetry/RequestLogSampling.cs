namespace EdgeImages.Telemetry;

/// <summary>Which requests get a request log line: all of them but the routine ones, which are sampled.</summary>
public static class RequestLogSampling
{
    /// <param name="routine">The service said the answer was routine (the edge: a cache hit).</param>
    /// <param name="status">The status the client got; an error is never routine.</param>
    /// <param name="traceKept">The request's trace is exported: its line goes with it, so that a trace always finds its log.</param>
    /// <param name="rate"><see cref="TelemetryOptions.RequestLogHitSampleRate"/>.</param>
    /// <param name="draw">A uniform draw in [0, 1).</param>
    public static bool ShouldWrite(bool routine, int status, bool traceKept, double rate, double draw) =>
        !routine || status >= 400 || traceKept || draw < rate;
}
