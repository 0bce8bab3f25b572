using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EdgeImages.Telemetry;

/// <summary>The one call that gives an EdgeImages service its metrics, traces, logs and health endpoints.</summary>
public static class TelemetryServiceExtensions
{
    // The name OpenTelemetry's IMetricsListener registers under (OpenTelemetry.Extensions.Hosting's WithMetrics).
    private const string OpenTelemetryListenerName = "OpenTelemetry";

    /// <summary>Kestrel's pinned block pool's meter (<c>aspnetcore.memory_pool.*</c>), left out of the export.</summary>
    internal const string KestrelMemoryPoolMeter = "Microsoft.AspNetCore.MemoryPool";

    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string ActiveRequestsInstrument = "http.server.active_requests";

    /// <summary>
    /// Registers OpenTelemetry (ASP.NET Core, HttpClient and runtime instrumentation plus the service's own meters and
    /// sources; Prometheus exporter; OTLP for traces when <c>Telemetry:OtlpEndpoint</c> is set), W3C trace context,
    /// JSON console logs whose scopes carry <c>TraceId</c> and <c>SpanId</c>, and the health-check publisher behind
    /// <c>edgeimages_dependency_up</c>. Register health checks with <c>AddHealthChecks()</c> as usual; then call
    /// <see cref="TelemetryEndpoints.UseEdgeImagesTelemetry"/> on the built app.
    /// </summary>
    /// <param name="builder">The service's builder.</param>
    /// <param name="serviceName"><c>service.name</c>: <c>edge</c>, <c>origin</c> or <c>control-plane</c>.</param>
    /// <param name="configure">Adds the service's meters and activity sources, and its path redaction.</param>
    public static WebApplicationBuilder AddEdgeImagesTelemetry(this WebApplicationBuilder builder, string serviceName, Action<TelemetrySetup>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var setup = new TelemetrySetup(serviceName);
        configure?.Invoke(setup);

        // Read once here: these settings choose which services exist, so a reload cannot change them anyway.
        var options = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }

        var services = builder.Services;
        services.AddSingleton(setup);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TelemetryMeter>();
        services.AddSingleton<RequestLogWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<RequestLogWriter>());
        AddLogging(builder.Logging, options);
        AddHealthPublishing(services, options);

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceNamespace: "edgeimages"))
            .WithTracing(tracing =>
            {
                tracing
                    .SetSampler(new KeepableSampler(options.TraceSampleRatio))
                    .AddHttpClientInstrumentation()
                    .AddSource([.. setup.ActivitySources]);
                if (setup.DeferServerSpans)
                {
                    // Not ASP.NET Core's instrumentation: while it listens, the host makes a span for every request.
                    tracing.AddSource(ServerSpanMiddleware.SourceName);
                }
                else
                {
                    tracing.AddAspNetCoreInstrumentation(aspNetCore =>
                    {
                        // Probes and scrapes are not traffic; tracing them would bury the requests in noise.
                        aspNetCore.Filter = context => !TelemetryEndpoints.IsProbe(context.Request.Path);
                    });
                }
                if (setup.RedactPath is { } redact)
                {
                    // Before any exporter, so that what leaves the process is redacted; see PathRedactionProcessor.
                    tracing.AddProcessor(new PathRedactionProcessor(redact));
                }

                if (options.OtlpEndpoint is { } endpoint)
                {
                    tracing.AddOtlpExporter(otlp =>
                    {
                        otlp.Endpoint = endpoint;
                        otlp.Protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    });
                }
                else if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics => metrics
                .AddRuntimeInstrumentation()
                // Prometheus scrapes every 15 s or so; a cached answer would only confuse someone comparing two curls.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        EnableMeters(builder.Metrics, setup);
        return builder;
    }

    /// <summary>
    /// ASP.NET Core's and HttpClient's meters and the service's own reach the exporter through the host's metrics rules,
    /// not the SDK's <c>AddMeter</c> (which <c>AddAspNetCoreInstrumentation</c> calls). <c>AddMeter</c> subscribes to every
    /// meter of a name in the process, whichever host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/> made
    /// it: with two hosts in one process each exported the other's traffic, and when one host stopped, its disposed
    /// instruments ended the shared series in the other's exporter too. A rule matches only this host's meters
    /// (<see cref="MeterScope.Local"/>) and process-wide ones made with <c>new Meter</c> (<see cref="MeterScope.Global"/>,
    /// such as Npgsql's or a bare HttpClient's). The runtime's meter is process-wide by nature and stays on AddMeter.
    /// </summary>
    private static void EnableMeters(IMetricsBuilder metrics, TelemetrySetup setup)
    {
        // A rule's meter name is a prefix: "Microsoft.AspNetCore" is hosting, Kestrel, routing, rate limiting and the rest.
        string[] frameworkMeters = ["Microsoft.AspNetCore", "System.Net.Http", "System.Net.NameResolution"];
        foreach (var meter in frameworkMeters.Append(TelemetryMeter.Name).Concat(setup.Meters))
        {
            metrics.EnableMetrics(meter, instrumentName: null, listenerName: OpenTelemetryListenerName, MeterScope.Global | MeterScope.Local);
        }

        // Except Kestrel's memory pool (.NET 10): it records on every 4 KiB block rented and returned, a dozen
        // measurements for a 20 KB answer, which cost a memory hit more than its whole request counting (a profile of
        // the hit benchmark: 0.8 µs of 34). What it would tell, memory held, the runtime's own metrics already do.
        metrics.DisableMetrics(KestrelMemoryPoolMeter, instrumentName: null, listenerName: OpenTelemetryListenerName, MeterScope.Global | MeterScope.Local);
        if (setup.OmitActiveRequests)
        {
            // A disabled instrument is one nobody listens to: the host then skips its measurements, not only their export.
            metrics.DisableMetrics(HostingMeter, ActiveRequestsInstrument, OpenTelemetryListenerName, MeterScope.Global | MeterScope.Local);
        }
    }

    private static void AddLogging(ILoggingBuilder logging, TelemetryOptions options)
    {
        // Every log line written inside a request carries its trace: grep the trace id of a slow span, find its lines.
        logging.Configure(factory => factory.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (options.LogFormat == "json")
        {
            logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(simple => simple.IncludeScopes = true);
        }

        // ASP.NET Core's hosting log writes "Request starting GET http://host/{path}" with the raw path, and opens a
        // RequestPath scope that every line of the request then carries: on the edge that path is the URL signature
        // and unverified input. Only switching the category off (None, not Warning) stops the scope; RequestId goes
        // with it, and the TraceId scope above is the better key anyway. RequestLogMiddleware writes the request line.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        // Two more write the raw path, at Debug, for whoever turns them up: the matcher ("candidates found for the
        // request path '/…'") and Kestrel's bad-request log (the whole request line). Routing keeps its other lines
        // (which endpoint matched, by route template); a malformed request is still counted by Kestrel's metrics.
        logging.AddFilter("Microsoft.AspNetCore.Routing.Matching.DfaMatcher", LogLevel.None);
        logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.None);
    }

    private static void AddHealthPublishing(IServiceCollection services, TelemetryOptions options)
    {
        services.AddHealthChecks();
        services.AddSingleton<IHealthCheckPublisher, HealthMetricsPublisher>();
        services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            // First report soon after start, so a fresh instance does not read as down for a whole period.
            publisher.Delay = TimeSpan.FromSeconds(1);
            publisher.Period = options.HealthPublishPeriod;
        });
    }
}
