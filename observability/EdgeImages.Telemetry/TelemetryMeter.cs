using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeImages.Telemetry;

/// <summary>
/// The metrics every service shares: <c>edgeimages_dependency_up{dependency}</c>, one series per health check,
/// refreshed by <see cref="HealthMetricsPublisher"/>. The service's own meters stay in the service.
/// </summary>
internal sealed class TelemetryMeter
{
    public const string Name = "EdgeImages.Telemetry";

    private readonly ConcurrentDictionary<string, int> _up = new(StringComparer.Ordinal);
    private readonly Counter<long> _requestLogDropped;

    public TelemetryMeter(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        meter.CreateObservableGauge(
            "edgeimages.dependency.up",
            () => _up.Select(pair => new Measurement<int>(pair.Value, new KeyValuePair<string, object?>("dependency", pair.Key))),
            unit: null,
            description: "1 when the health check of a dependency (redis, postgresql, etcd, origin) last passed, else 0.");
        _requestLogDropped = meter.CreateCounter<long>(
            "edgeimages.request_log.dropped", "{line}", "Request log lines dropped because the writer's queue was full (stdout slower than the traffic).");
    }

    public void RequestLogDropped() => _requestLogDropped.Add(1);

    public void SetUp(string dependency, bool up) => _up[dependency] = up ? 1 : 0;
}
