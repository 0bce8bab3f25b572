using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeImages.Telemetry;

/// <summary>
/// Turns the periodic health report into <c>edgeimages_dependency_up</c>, so that Prometheus sees Redis, PostgreSQL,
/// etcd and origin connectivity without scraping <c>/readyz</c>. Only <c>Healthy</c> counts as up: a degraded Redis
/// is an unreachable Redis, even though the edge keeps serving without it.
/// </summary>
internal sealed class HealthMetricsPublisher(TelemetryMeter meter) : IHealthCheckPublisher
{
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        foreach (var (name, entry) in report.Entries)
        {
            meter.SetUp(name, entry.Status == HealthStatus.Healthy);
        }

        return Task.CompletedTask;
    }
}
