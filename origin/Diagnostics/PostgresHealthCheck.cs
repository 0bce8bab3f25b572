using EdgeImages.Origin.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace EdgeImages.Origin.Diagnostics;

/// <summary>
/// Readiness of the origin: PostgreSQL answers <c>SELECT 1</c>. An origin node without its database can serve
/// nothing (every read resolves a version there first), so this one is unhealthy, not degraded: the edges' YARP
/// probes and the control plane take the node out until it answers again. The description is fixed text; the
/// exception, which names the server, stays out of the response.
/// </summary>
internal sealed class PostgresHealthCheck(OriginalStore store) : IHealthCheck
{
    public const string Name = "postgresql";

    /// <summary>A readiness probe must answer before the prober gives up (typically 5 s); a paused database must not hang it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.");
        }
    }
}
