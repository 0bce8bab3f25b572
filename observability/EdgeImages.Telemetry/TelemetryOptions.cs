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

    internal IEnumerable<string> Validate()
    {
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
