using System.Collections.Immutable;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using Etcdserverpb;
using Mvccpb;

namespace EdgeImages.ControlPlane.Etcd;

/// <summary>An immutable picture of what routing and authentication need, at one etcd revision.</summary>
internal sealed record ClusterState
{
    public static ClusterState Empty { get; } = new();

    public long Revision { get; init; }
    public ImmutableDictionary<string, RegionDocument> Regions { get; init; } = ImmutableDictionary<string, RegionDocument>.Empty;
    public ImmutableDictionary<string, PopDocument> Pops { get; init; } = ImmutableDictionary<string, PopDocument>.Empty;
    /// <summary>By <c>{pop}/{edgeId}</c>.</summary>
    public ImmutableDictionary<string, EdgeRegistration> Edges { get; init; } = ImmutableDictionary<string, EdgeRegistration>.Empty;
    /// <summary>By <c>{pop}/{edgeId}</c>.</summary>
    public ImmutableDictionary<string, ProbeResult> Probes { get; init; } = ImmutableDictionary<string, ProbeResult>.Empty;
    public ImmutableDictionary<string, DrainDocument> Drains { get; init; } = ImmutableDictionary<string, DrainDocument>.Empty;
    public ImmutableDictionary<string, AdminKeyDocument> AdminKeys { get; init; } = ImmutableDictionary<string, AdminKeyDocument>.Empty;
    public ImmutableDictionary<string, SigningKeyDocument> SigningKeys { get; init; } = ImmutableDictionary<string, SigningKeyDocument>.Empty;
    public string? Leader { get; init; }

    public ClusterState Apply(EtcdKeys keys, string key, Google.Protobuf.ByteString? value) => key switch
    {
        _ when key.StartsWith(keys.Regions, StringComparison.Ordinal) => this with { Regions = Set(Regions, key[keys.Regions.Length..], value) },
        _ when key.StartsWith(keys.Pops, StringComparison.Ordinal) => this with { Pops = Set(Pops, key[keys.Pops.Length..], value) },
        _ when key.StartsWith(keys.Edges, StringComparison.Ordinal) => this with { Edges = Set(Edges, key[keys.Edges.Length..], value) },
        _ when key.StartsWith(keys.Probes, StringComparison.Ordinal) => this with { Probes = Set(Probes, key[keys.Probes.Length..], value) },
        _ when key.StartsWith(keys.Drains, StringComparison.Ordinal) => this with { Drains = Set(Drains, key[keys.Drains.Length..], value) },
        _ when key.StartsWith(keys.AdminKeys, StringComparison.Ordinal) => this with { AdminKeys = Set(AdminKeys, key[keys.AdminKeys.Length..], value) },
        _ when key.StartsWith(keys.Keys, StringComparison.Ordinal) => this with { SigningKeys = Set(SigningKeys, key[keys.Keys.Length..], value) },
        _ when key == keys.Leader => this with { Leader = value is null ? null : DocumentJson.TryDecode<LeaderDocument>(value, out var leader) ? leader!.ReplicaId : null },
        _ => this,
    };

    private static ImmutableDictionary<string, T> Set<T>(ImmutableDictionary<string, T> map, string id, Google.Protobuf.ByteString? value)
    {
        if (value is null)
        {
            return map.Remove(id);
        }

        // A document that does not parse is skipped, not fatal: one bad write must not blind every replica.
        return DocumentJson.TryDecode<T>(value, out var document) ? map.SetItem(id, document!) : map.Remove(id);
    }
}

/// <summary>
/// Keeps <see cref="ClusterState"/> current by watch: one consistent read of every watched range in a single
/// transaction (one revision), then a watch from the next revision. Routing and authentication read this snapshot,
/// so they keep answering from the last known state while etcd has no quorum; writes go to etcd and fail then.
/// </summary>
internal sealed partial class ClusterView(EtcdStore etcd, TimeProvider time, ILogger<ClusterView> logger) : BackgroundService
{
    private static readonly TimeSpan WatchIdle = TimeSpan.FromSeconds(3);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClusterState _state = ClusterState.Empty;

    public ClusterState Current => Volatile.Read(ref _state);

    /// <summary>Completes once the first full read has been applied.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Raised after each applied change (tests and the probe loop wait on it).</summary>
    public event Action<ClusterState>? Changed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var keys = etcd.Keys;
        string[] ranges = [keys.Regions, keys.Pops, keys.Edges, keys.Probes, keys.Drains, keys.AdminKeys, keys.Keys];
        long revision = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (revision == 0)
                {
                    revision = await LoadAsync(ranges, stoppingToken).ConfigureAwait(false);
                }

                await foreach (var response in etcd.WatchAsync([keys.Prefix], revision + 1, WatchIdle, stoppingToken).ConfigureAwait(false))
                {
                    if (response.Events.Count == 0)
                    {
                        continue;
                    }

                    var state = Current;
                    foreach (var change in response.Events)
                    {
                        var key = change.Kv.Key.ToStringUtf8();
                        if (key.StartsWith(keys.Audit, StringComparison.Ordinal) || key.StartsWith(keys.Purges, StringComparison.Ordinal))
                        {
                            continue;
                        }

                        state = state.Apply(keys, key, change.Type == Event.Types.EventType.Delete ? null : change.Kv.Value);
                    }

                    revision = response.Header.Revision;
                    Publish(state with { Revision = revision });
                }
            }
            catch (EtcdCompactedException)
            {
                revision = 0;
            }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it logs and retries.
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Log.WatchInterrupted(logger, exception.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<long> LoadAsync(string[] ranges, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        foreach (var prefix in ranges)
        {
            txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdGateway.Bytes(prefix), RangeEnd = EtcdGateway.RangeEnd(prefix) } });
        }

        txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdGateway.Bytes(etcd.Keys.Leader) } });
        var response = await etcd.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        var state = ClusterState.Empty;
        foreach (var op in response.Responses)
        {
            foreach (var kv in op.ResponseRange.Kvs)
            {
                state = state.Apply(etcd.Keys, kv.Key.ToStringUtf8(), kv.Value);
            }
        }

        Publish(state with { Revision = response.Header.Revision });
        _loaded.TrySetResult();
        return response.Header.Revision;
    }

    private void Publish(ClusterState state)
    {
        Volatile.Write(ref _state, state);
        Changed?.Invoke(state);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Cluster watch interrupted ({Reason}); resuming from the last revision.")]
        public static partial void WatchInterrupted(ILogger logger, string reason);
    }
}
