using System.Diagnostics;
using System.Globalization;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Purges;
using Etcdserverpb;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Leadership;

/// <summary>
/// The singleton work, run only by the elected replica and only for its term: probe every registered edge and every
/// configured origin, retire keys whose <c>retireAt</c> has passed, and delete purge events past their retention.
/// Probe results live under the leader's lease, so a dead leader's opinions vanish with it.
/// </summary>
internal sealed partial class LeaderJobs(
    LeaderElection election,
    ClusterView view,
    EtcdStore etcd,
    ChangeWriter writer,
    DocumentReader documents,
    IHttpClientFactory clients,
    IOptions<LeadershipOptions> options,
    TimeProvider time,
    ILogger<LeaderJobs> logger) : BackgroundService
{
    private LeadershipOptions Settings => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Settings.ProbeInterval, time);
        var lastRetention = long.MinValue;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!election.IsLeader)
            {
                continue;
            }

            using var term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, election.Term);
            try
            {
                await ProbeAsync(term.Token).ConfigureAwait(false);
                await ExpireKeysAsync(term.Token).ConfigureAwait(false);
                if (lastRetention == long.MinValue || time.GetElapsedTime(lastRetention) > TimeSpan.FromSeconds(30))
                {
                    await DeleteOldPurgesAsync(term.Token).ConfigureAwait(false);
                    lastRetention = time.GetTimestamp();
                }
            }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it logs and retries.
            catch (Exception exception) when (exception is not OperationCanceledException && !stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Log.JobFailed(logger, exception.Message);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The term ended mid-job; the next leader starts over.
            }
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var state = view.Current;
        var targets = state.Edges.Select(e => (Key: e.Key, Url: e.Value.Address.TrimEnd('/') + "/healthz"))
            .Concat(Settings.Origins.Select(o => (Key: "origins/" + o.Key, Url: o.Value)))
            .ToList();
        var results = await Task.WhenAll(targets.Select(t => ProbeOneAsync(t.Key, t.Url, cancellationToken))).ConfigureAwait(false);
        var txn = new TxnRequest();
        foreach (var (key, result) in results)
        {
            // Written only when the verdict changes: a healthy fleet costs etcd nothing per probe round.
            if (!state.Probes.TryGetValue(key, out var previous) || previous.Healthy != result.Healthy)
            {
                txn.Success.Add(ChangeWriter.Put(etcd.Keys.Probes + key, DocumentJson.Encode(result), election.Lease));
            }
        }

        foreach (var stale in state.Probes.Keys.Where(k => !k.StartsWith("origins/", StringComparison.Ordinal) && !state.Edges.ContainsKey(k)))
        {
            txn.Success.Add(ChangeWriter.Delete(etcd.Keys.Probes + stale));
        }

        if (txn.Success.Count > 0)
        {
            await etcd.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(string Key, ProbeResult Result)> ProbeOneAsync(string key, string url, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.ProbeTimeout);
        int status;
        try
        {
            using var response = await clients.CreateClient("probe").GetAsync(new Uri(url), timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            status = 0;
        }

        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return (key, new ProbeResult(url, status is >= 200 and < 300, status, Math.Round(latency, 1), time.GetUtcNow()));
    }

    private async Task ExpireKeysAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var key in view.Current.SigningKeys.Values.Where(k => k.RetireAt <= now && k.State != SigningKeyDocument.Retired))
        {
            var path = etcd.Keys.Key(key.Kid);
            // Gone, or no longer a key document since the view read it (reported): nothing to retire.
            if (await etcd.GetAsync(path, cancellationToken).ConfigureAwait(false) is not { } kv
                || !documents.TryRead<SigningKeyDocument>(kv, out var current))
            {
                continue;
            }

            // Compare-and-swap: an operator's change since this read wins, and the job looks again next round.
            await writer.CommitAsync("leader:" + election.ReplicaId, "key.expire", key.Kid, null,
                [ChangeWriter.Unchanged(path, kv.ModRevision)],
                [ChangeWriter.Put(path, DocumentJson.Encode(current with { State = SigningKeyDocument.Retired, RetiredAt = now, RetireAt = null }))],
                cancellationToken).ConfigureAwait(false);
        }
    }

    private Task DeleteOldPurgesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return PurgeLog.DeleteIssuedBeforeAsync(etcd, etcd.Keys, now - Settings.PurgeRetention, now, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "A leader job failed ({Reason}); retried next round.")]
        public static partial void JobFailed(ILogger logger, string reason);
    }
}
