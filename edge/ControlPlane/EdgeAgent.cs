using System.Diagnostics;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using Etcdserverpb;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Mvccpb;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// The edge's side of the control plane, two loops:
/// <list type="bullet">
/// <item>registration: <c>edges/{pop}/{edgeId}</c> under a lease kept alive every third of its TTL, rewritten when
/// readiness changes; a lease that expired (a long pause, an etcd outage) is replaced by a new one and the edge
/// registers again.</item>
/// <item>sync: one consistent read of <c>keys/</c>, <c>tenants/</c> and <c>drain/{pop}</c>, then a watch of those
/// and of <c>purges/</c> from the next revision. Each change swaps the whole snapshot and rewrites the state file;
/// each purge evicts its tag from every tier this edge reaches. A broken watch resumes from the last revision
/// seen, so purges committed meanwhile are still applied.</item>
/// </list>
/// Nothing here is on the request path: with etcd gone, requests go on with the last snapshot.
/// </summary>
internal sealed partial class EdgeAgent(
    EtcdGateway etcd,
    ControlPlaneState state,
    IVariantCache cache,
    HealthCheckService health,
    EdgeMetrics metrics,
    IOptions<ControlPlaneOptions> options,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<EdgeAgent> logger) : BackgroundService
{
    private static readonly TimeSpan WatchIdle = TimeSpan.FromSeconds(3);
    private readonly ControlPlaneOptions _options = options.Value;
    private readonly EtcdKeys _keys = new(options.Value.Prefix);
    private long _lease;

    /// <summary>Purges applied so far (tests wait on it).</summary>
    public event Action<PurgeDocument>? Purged;

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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(RegisterLoopAsync(stoppingToken), SyncLoopAsync(stoppingToken));

    private async Task RegisterLoopAsync(CancellationToken stoppingToken)
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

    private async Task SyncLoopAsync(CancellationToken stoppingToken)
    {
        string keys = _keys.Keys, tenants = _keys.Tenants, drain = _keys.Drain(_options.Pop!), purges = _keys.Purges;
        long revision = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (revision == 0)
                {
                    revision = await LoadAsync(keys, tenants, drain, stoppingToken).ConfigureAwait(false);
                }

                await foreach (var response in etcd.WatchAsync([keys, tenants, drain, purges], revision + 1, WatchIdle, stoppingToken).ConfigureAwait(false))
                {
                    if (response.Events.Count == 0)
                    {
                        continue;
                    }

                    var snapshot = state.Snapshot;
                    var changed = false;
                    foreach (var change in response.Events)
                    {
                        var key = change.Kv.Key.ToStringUtf8();
                        var deleted = change.Type == Event.Types.EventType.Delete;
                        if (key.StartsWith(purges, StringComparison.Ordinal))
                        {
                            if (!deleted && DocumentJson.TryDecode<PurgeDocument>(change.Kv.Value, out var purge))
                            {
                                await PurgeAsync(purge, stoppingToken).ConfigureAwait(false);
                            }

                            continue;
                        }

                        snapshot = Apply(snapshot, key, deleted ? null : change.Kv.Value, keys, tenants, drain);
                        changed = true;
                    }

                    revision = Math.Max(revision, LastRevision(response));
                    metrics.ControlPlaneRevisionApplied(revision);
                    if (changed)
                    {
                        Publish(snapshot with { Revision = revision, Source = "etcd" });
                    }
                }
            }
            catch (EtcdCompactedException)
            {
                revision = 0; // read everything again
            }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it logs and retries.
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Log.SyncInterrupted(logger, exception.Message, state.Snapshot.Source);
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, stoppingToken).ConfigureAwait(false);
            }
        }

        static long LastRevision(WatchResponse response) => response.Events.Max(e => e.Kv.ModRevision);
    }

    private async Task<long> LoadAsync(string keys, string tenants, string drain, CancellationToken cancellationToken)
    {
        var response = await etcd.ReadAllAsync([keys, tenants, drain], cancellationToken).ConfigureAwait(false);
        var snapshot = ControlPlaneSnapshot.Empty;
        foreach (var op in response.Responses)
        {
            foreach (var kv in op.ResponseRange.Kvs)
            {
                snapshot = Apply(snapshot, kv.Key.ToStringUtf8(), kv.Value, keys, tenants, drain);
            }
        }

        var revision = response.Header.Revision;
        Publish(snapshot with { Revision = revision, Source = "etcd" });
        metrics.ControlPlaneRevisionApplied(revision);
        return revision;
    }

    private static ControlPlaneSnapshot Apply(ControlPlaneSnapshot snapshot, string key, Google.Protobuf.ByteString? value, string keys, string tenants, string drain)
    {
        if (key.StartsWith(keys, StringComparison.Ordinal))
        {
            var kid = key[keys.Length..];
            return value is not null && DocumentJson.TryDecode<SigningKeyDocument>(value, out var document)
                ? snapshot with { Keys = snapshot.Keys.SetItem(kid, document) }
                : snapshot with { Keys = snapshot.Keys.Remove(kid) };
        }

        if (key.StartsWith(tenants, StringComparison.Ordinal))
        {
            var id = key[tenants.Length..];
            return value is not null && DocumentJson.TryDecode<TenantDocument>(value, out var document)
                ? snapshot with { Tenants = snapshot.Tenants.SetItem(id, document) }
                : snapshot with { Tenants = snapshot.Tenants.Remove(id) };
        }

        return key == drain ? snapshot with { Drained = value is not null } : snapshot;
    }

    private void Publish(ControlPlaneSnapshot snapshot)
    {
        state.Swap(snapshot);
        try
        {
            SnapshotFile.Write(_options.StateFile, snapshot);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Serving goes on from memory; only a restart during an outage would miss this snapshot.
            Log.StateFileFailed(logger, exception.Message);
        }

        metrics.ConfigurationApplied(snapshot.Revision);
    }

    private async Task PurgeAsync(PurgeDocument purge, CancellationToken cancellationToken)
    {
        var tag = (purge.Path, purge.Prefix) switch
        {
            ({ Length: > 0 } path, _) => CacheTags.Original(purge.Tenant, path),
            (_, { Length: > 0 } prefix) => CacheTags.Prefix(purge.Tenant, prefix),
            _ => CacheTags.Tenant(purge.Tenant),
        };
        await cache.PurgeAsync(tag, cancellationToken).ConfigureAwait(false);
        // Lag from the document's own timestamp: the control plane's clock when it committed the purge.
        metrics.PurgeApplied(purge.At);
        Purged?.Invoke(purge);
    }

    /// <summary>This process's CPU use since the last sample, as a fraction of the machine's cores.</summary>
    private sealed class CpuMeter(TimeProvider time)
    {
        private TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        private long _at = time.GetTimestamp();

        public double Sample()
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var elapsed = time.GetElapsedTime(_at);
            var load = elapsed > TimeSpan.Zero ? (cpu - _cpu) / elapsed / Environment.ProcessorCount : 0;
            (_cpu, _at) = (cpu, time.GetTimestamp());
            // Coarse on purpose: the registration is rewritten only when something in it changes.
            return Math.Round(Math.Clamp(load, 0, 1) * 10) / 10;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Registration with the control plane failed ({Reason}); retrying.")]
        public static partial void RegistrationFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The registration lease expired; registering again.")]
        public static partial void LeaseExpired(ILogger logger);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Control-plane sync interrupted ({Reason}); serving the last known good state (from {Source}).")]
        public static partial void SyncInterrupted(ILogger logger, string reason, string source);

        [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Could not write the control-plane state file ({Reason}).")]
        public static partial void StateFileFailed(ILogger logger, string reason);
    }
}
