namespace EdgeImages.Telemetry;

/// <summary>
/// Configuration section <c>Telemetry</c>, the same in every service. Everything has a default that works on a
/// laptop and in production: metrics are always on (a scrape costs nothing until someone scrapes), traces leave the
/// process only when an OTLP endpoint is configured, logs are JSON.
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// <c>Telemetry:OtlpEndpoint</c>: where spans are sent over OTLP (e.g. <c>http://collector:4317</c>). Unset by
    /// default: traces are still created, so trace ids reach the logs and <c>traceparent</c> reaches the origin,
    /// but nothing is exported. The standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable works too.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>
    /// <c>Telemetry:OtlpProtocol</c>: <c>grpc</c> (collectors' port 4317, the OTLP default) or <c>http/protobuf</c>
    /// (port 4318; give the whole URL, ending in <c>/v1/traces</c>).
    /// </summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>
    /// <c>Telemetry:LogFormat</c>: <c>json</c> (one object a line, with scopes: what log shippers parse) or
    /// <c>simple</c> (for a person at a terminal). JSON by default, so production never ships unparseable text.
    /// </summary>
    public string LogFormat { get; set; } = "json";

    /// <summary>
    /// <c>Telemetry:HealthPublishPeriod</c>: how often the health checks run in the background to refresh
    /// <c>edgeimages_dependency_up</c>. A quarter of a typical 1-minute alert window, and cheap: each check is one
    /// ping or a read of in-memory state.
    /// </summary>
    public TimeSpan HealthPublishPeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// <c>Telemetry:TraceSampleRatio</c>: the share of new traces (no sampled parent) kept and exported, decided from
    /// the trace id so every service keeps the same ones. A request whose parent was sampled is always kept, one
    /// whose parent was not is not (parent-based), and an error (5xx) or a miss is always kept, whatever was decided
    /// at the start. One in a hundred: a hit's span says nothing a metric does not, and at ten thousand hits a
    /// second a span each costs more CPU than the hit.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 0.01;

    /// <summary>
    /// <c>Telemetry:RequestLogHitSampleRate</c>: the share of cache hits (and other routine answers a service marks
    /// as such) that get a request log line; every other request (misses, errors, everything else) always gets
    /// one, and so does a request whose trace is kept. One in a hundred: the hit counts are in the metrics, and a
    /// line per hit would cost the edge more than answering it.
    /// </summary>
    public double RequestLogHitSampleRate { get; set; } = 0.01;

    /// <summary>
    /// <c>Telemetry:RequestLogQueueLength</c>: request log lines waiting to be written. The request only queues its
    /// line; one background writer formats and writes it. When stdout cannot keep up, lines beyond this are dropped
    /// and counted (<c>edgeimages_request_log_dropped_total</c>) rather than slowing every request down.
    /// </summary>
    public int RequestLogQueueLength { get; set; } = 8192;

    internal IEnumerable<string> Validate()
    {
        if (!(TraceSampleRatio is >= 0 and <= 1))
        {
            yield return "Telemetry:TraceSampleRatio must be between 0 and 1.";
        }

        if (!(RequestLogHitSampleRate is >= 0 and <= 1))
        {
            yield return "Telemetry:RequestLogHitSampleRate must be between 0 and 1.";
        }

        if (RequestLogQueueLength is < 16 or > 1_000_000)
        {
            yield return "Telemetry:RequestLogQueueLength must be between 16 and 1000000.";
        }

        if (LogFormat is not ("json" or "simple"))
        {
            yield return "Telemetry:LogFormat must be 'json' or 'simple'.";
        }

        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            yield return "Telemetry:OtlpProtocol must be 'grpc' or 'http/protobuf'.";
        }

        if (OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            yield return "Telemetry:OtlpEndpoint must be an absolute http(s) address.";
        }

        if (HealthPublishPeriod < TimeSpan.FromSeconds(1) || HealthPublishPeriod > TimeSpan.FromMinutes(5))
        {
            yield return "Telemetry:HealthPublishPeriod must be between 00:00:01 and 00:05:00.";
        }
    }
}
