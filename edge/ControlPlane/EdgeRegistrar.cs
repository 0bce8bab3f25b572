using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// The edge's registration at the control plane: <c>edges/{pop}/{edgeId}</c> under a lease kept alive every third of
/// its TTL, rewritten when readiness or load changes; a lease that expired (a long pause, an etcd outage) is replaced
/// by a new one and the edge registers again. Leaving on purpose revokes the lease, so routing drops the edge at once.
/// Configuration (<see cref="ConfigurationSync"/>) and purges (<see cref="PurgeApplier"/>) follow etcd on their own.
/// </summary>
internal sealed partial class EdgeRegistrar(
    EtcdGateway etcd,
    ControlPlaneState state,
    HealthCheckService health,
    IOptions<ControlPlaneOptions> options,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<EdgeRegistrar> logger) : BackgroundService
{
    private readonly ControlPlaneOptions _options = options.Value;
    private readonly EtcdKeys _keys = new(options.Value.Prefix);
    private long _lease;

    /// <summary>For tests: stop as a crashed process would, without revoking the lease, so routing must notice by TTL.</summary>
    internal bool LeaveWithoutRevoking { get; set; }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Leaving on purpose: revoke, so routing drops this edge now rather than after the TTL.
        if (Interlocked.Exchange(ref _lease, 0) is var lease and not 0 && !LeaveWithoutRevoking)
        {
            try
            {
                await etcd.RevokeLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it logs and retries.
            catch (Exception)
#pragma warning restore CA1031
            {
                // It expires by itself.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A second under the TTL, as the control plane's leader does: etcd's expiry sweep (every 500 ms) comes on top of
        // the lease, and routing should forget a dead edge within ControlPlane:LeaseTtl, not just after it.
        var granted = _options.LeaseTtl - TimeSpan.FromSeconds(1);
        var beat = granted / 3;
        var key = _keys.Edge(_options.Pop!, _options.EdgeId);
        var cpu = new CpuMeter(time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var lease = await etcd.GrantLeaseAsync(granted, stoppingToken).ConfigureAwait(false);
                Interlocked.Exchange(ref _lease, lease);
                EdgeRegistration? written = null;
                while (!stoppingToken.IsCancellationRequested)
                {
                    var registration = await DescribeAsync(cpu, stoppingToken).ConfigureAwait(false);
                    if (written is null || registration with { UpdatedAt = default } != written with { UpdatedAt = default })
                    {
                        await etcd.PutAsync(key, DocumentJson.Encode(registration), lease, stoppingToken).ConfigureAwait(false);
                        written = registration;
                    }

                    await Task.Delay(beat, time, stoppingToken).ConfigureAwait(false);
                    if (!await etcd.KeepAliveOnceAsync(lease, stoppingToken).ConfigureAwait(false))
                    {
                        Log.LeaseExpired(logger);
                        break; // register again under a new lease
                    }
                }
            }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it logs and retries.
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Log.RegistrationFailed(logger, exception.Message);
                await Task.Delay(beat, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<EdgeRegistration> DescribeAsync(CpuMeter cpu, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        var redis = !string.IsNullOrWhiteSpace(configuration["Caching:Redis"]);
        return new EdgeRegistration
        {
            EdgeId = _options.EdgeId,
            Region = _options.Region!,
            Pop = _options.Pop!,
            Address = _options.PublicAddress!,
            CacheTier = redis ? (report.Entries.TryGetValue("redis", out var entry) && entry.Status == HealthStatus.Healthy ? "memory+redis" : "memory (redis down)") : "memory",
            OriginReachable = report.Entries.Where(e => e.Key.StartsWith("origin", StringComparison.Ordinal)).All(e => e.Value.Status != HealthStatus.Unhealthy),
            Ready = report.Status != HealthStatus.Unhealthy,
            Load = cpu.Sample(),
            ConfigRevision = state.Snapshot.Revision,
            UpdatedAt = time.GetUtcNow(),
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Registration with the control plane failed ({Reason}); retrying.")]
        public static partial void RegistrationFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The registration lease expired; registering again.")]
        public static partial void LeaseExpired(ILogger logger);
    }
}
