using EdgeImages.ControlPlane.Etcd;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using Etcdserverpb;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Leadership;

/// <summary>
/// Elects one replica for the singleton jobs. The <c>leader</c> key is created only if absent (a transaction on its
/// create revision), under this replica's lease: exactly one replica can hold it, and it vanishes by itself when the
/// holder stops renewing. A replica that cannot renew for two thirds of the TTL steps down on its own, before anyone
/// else can be elected, so two leaders never run jobs at once (short of a clock running a third too slow).
/// A stopping leader revokes its lease, handing over at once instead of after the TTL.
/// </summary>
internal sealed partial class LeaderElection(EtcdStore etcd, IOptions<LeadershipOptions> options, TimeProvider time, ILogger<LeaderElection> logger)
    : BackgroundService
{
    private LeadershipOptions Settings => options.Value;
    private CancellationTokenSource _term = new();
    private volatile bool _isLeader;
    private volatile bool _abandoned;
    private long _lease;

    public bool IsLeader => _isLeader;

    public string ReplicaId => Settings.ReplicaId;

    /// <summary>
    /// The lease asked of etcd: a second under <see cref="LeadershipOptions.LeaseTtl"/>, because etcd's expiry sweep
    /// (every 500 ms) and the commit of the revocation come on top of the lease itself. A killed leader is then
    /// replaced within the configured TTL. (etcd raises leases below its minimum, 1.5 election timeouts, to that minimum.)
    /// </summary>
    private TimeSpan GrantedTtl => Settings.LeaseTtl - TimeSpan.FromSeconds(1);

    /// <summary>The lease of the current term (probe results are written under it).</summary>
    public long Lease => Interlocked.Read(ref _lease);

    /// <summary>Cancelled when this term of leadership ends.</summary>
    public CancellationToken Term => _term.Token;

    /// <summary>Raised when this replica becomes leader.</summary>
    public event Action? Elected;

    /// <summary>For tests: behave as a crashed process would (stop renewing, no revoke), so the TTL path is exercised.</summary>
    internal void Abandon() => _abandoned = true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var beat = GrantedTtl / 3;
        while (!stoppingToken.IsCancellationRequested && !_abandoned)
        {
            try
            {
                var lease = await etcd.GrantLeaseAsync(GrantedTtl, stoppingToken).ConfigureAwait(false);
                var txn = new TxnRequest();
                txn.Compare.Add(ChangeWriter.Absent(etcd.Keys.Leader));
                txn.Success.Add(ChangeWriter.Put(etcd.Keys.Leader, DocumentJson.Encode(new LeaderDocument(ReplicaId, time.GetUtcNow())), lease));
                var response = await etcd.TxnAsync(txn, stoppingToken).ConfigureAwait(false);
                if (!response.Succeeded)
                {
                    await etcd.RevokeLeaseAsync(lease, stoppingToken).ConfigureAwait(false);
                    await WaitForVacancyAsync(response.Header.Revision, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await LeadAsync(lease, beat, stoppingToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it logs and retries.
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Log.ElectionFailed(logger, exception.Message);
                await Task.Delay(beat, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Watches the leader key until it is deleted (its lease expired or was revoked), so a follower campaigns the
    /// moment the seat is free rather than on its next poll; the wait is bounded, and any doubt means campaign again.
    /// </summary>
    private async Task WaitForVacancyAsync(long revision, CancellationToken stoppingToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bound.CancelAfter(Settings.LeaseTtl);
        try
        {
            await foreach (var response in etcd.WatchAsync([etcd.Keys.Leader], revision + 1, Settings.LeaseTtl, bound.Token).ConfigureAwait(false))
            {
                if (response.Events.Any(e => e.Type == Mvccpb.Event.Types.EventType.Delete))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Bounded wait over: campaign again.
        }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it logs and retries.
        catch (Exception) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            await Task.Delay(Settings.LeaseTtl / 3, time, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task LeadAsync(long lease, TimeSpan beat, CancellationToken stoppingToken)
    {
        Interlocked.Exchange(ref _lease, lease);
        _term = new CancellationTokenSource();
        _isLeader = true;
        Log.Elected(logger, ReplicaId);
        Elected?.Invoke();
        var renewed = time.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested && !_abandoned)
            {
                await Task.Delay(beat, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    if (!await etcd.KeepAliveOnceAsync(lease, stoppingToken).ConfigureAwait(false))
                    {
                        break; // expired: someone else may already lead
                    }

                    renewed = time.GetTimestamp();
                }
                catch (Exception) when (!stoppingToken.IsCancellationRequested && time.GetElapsedTime(renewed) < GrantedTtl * 2 / 3)
                {
                    // Keep trying while the lease is surely still ours.
                }
                catch (Exception) when (!stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: handed over below.
        }
        finally
        {
            _isLeader = false;
            await _term.CancelAsync().ConfigureAwait(false);
            Log.SteppedDown(logger, ReplicaId);
        }

        if (stoppingToken.IsCancellationRequested && !_abandoned)
        {
            try
            {
                using var handover = new CancellationTokenSource(etcd.RequestTimeout);
                await etcd.RevokeLeaseAsync(lease, handover.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is EtcdUnavailableException or OperationCanceledException)
            {
                // The lease expires by itself within the TTL.
            }
        }
    }

    public override void Dispose()
    {
        _term.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Replica {ReplicaId} is the leader.")]
        public static partial void Elected(ILogger logger, string replicaId);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Replica {ReplicaId} is no longer the leader.")]
        public static partial void SteppedDown(ILogger logger, string replicaId);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Election attempt failed ({Reason}).")]
        public static partial void ElectionFailed(ILogger logger, string reason);
    }
}
