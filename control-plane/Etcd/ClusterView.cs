using System.Collections.Immutable;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Watching;
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

    /// <param name="kv">The key and, unless <paramref name="deleted"/>, its value.</param>
    public ClusterState Apply(EtcdKeys keys, KeyValue kv, bool deleted, DocumentReader documents)
    {
        var key = kv.Key.ToStringUtf8();
        return key switch
        {
            _ when key.StartsWith(keys.Regions, StringComparison.Ordinal) => this with { Regions = Set(Regions, key[keys.Regions.Length..]) },
            _ when key.StartsWith(keys.Pops, StringComparison.Ordinal) => this with { Pops = Set(Pops, key[keys.Pops.Length..]) },
            _ when key.StartsWith(keys.Edges, StringComparison.Ordinal) => this with { Edges = Set(Edges, key[keys.Edges.Length..]) },
            _ when key.StartsWith(keys.Probes, StringComparison.Ordinal) => this with { Probes = Set(Probes, key[keys.Probes.Length..]) },
            _ when key.StartsWith(keys.Drains, StringComparison.Ordinal) => this with { Drains = Set(Drains, key[keys.Drains.Length..]) },
            _ when key.StartsWith(keys.AdminKeys, StringComparison.Ordinal) => this with { AdminKeys = Set(AdminKeys, key[keys.AdminKeys.Length..]) },
            _ when key.StartsWith(keys.Keys, StringComparison.Ordinal) => this with { SigningKeys = Set(SigningKeys, key[keys.Keys.Length..]) },
            _ when key == keys.Leader => this with { Leader = !deleted && documents.TryRead<LeaderDocument>(kv, out var leader) ? leader.ReplicaId : null },
            _ => this,
        };

        // A document that does not read is left out (and reported), not fatal: one bad write must not blind every replica.
        ImmutableDictionary<string, T> Set<T>(ImmutableDictionary<string, T> map, string id)
            where T : class =>
            !deleted && documents.TryRead<T>(kv, out var document) ? map.SetItem(id, document) : map.Remove(id);
    }
}

/// <summary>
/// Keeps <see cref="ClusterState"/> current by watch, over the shared load-then-watch (<see cref="RangeFollowing"/>):
/// one consistent read of every range it needs, then a watch of the same ranges. Routing and authentication read this
/// snapshot, so they keep answering from the last known state while etcd has no quorum; writes go to etcd and fail then.
/// The state is a picture, not a log: after a compaction the read simply replaces it.
/// </summary>
internal sealed partial class ClusterView(EtcdStore etcd, DocumentReader documents, TimeProvider time, ILogger<ClusterView> logger) : BackgroundService, IRangeFollower
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClusterState _state = ClusterState.Empty;

    public ClusterState Current => Volatile.Read(ref _state);

    /// <summary>Completes once the first full read has been applied.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Raised after each applied change (tests and the probe loop wait on it).</summary>
    public event Action<ClusterState>? Changed;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var keys = etcd.Keys;
        string[] ranges = [keys.Regions, keys.Pops, keys.Edges, keys.Probes, keys.Drains, keys.AdminKeys, keys.Keys, keys.Leader];
        return etcd.FollowAsync(ranges, this, time, fromRevision: 0, stoppingToken);
    }

    ValueTask IRangeFollower.LoadAsync(RangeRead read, CancellationToken cancellationToken)
    {
        var state = ClusterState.Empty;
        foreach (var kv in read.Kvs)
        {
            state = state.Apply(etcd.Keys, kv, deleted: false, documents);
        }

        Publish(state with { Revision = read.Revision });
        _loaded.TrySetResult();
        return ValueTask.CompletedTask;
    }

    ValueTask IRangeFollower.ApplyAsync(IReadOnlyList<Event> events, long revision, CancellationToken cancellationToken)
    {
        var state = Current;
        foreach (var change in events)
        {
            state = state.Apply(etcd.Keys, change.Kv, change.Type == Event.Types.EventType.Delete, documents);
        }

        Publish(state with { Revision = revision });
        return ValueTask.CompletedTask;
    }

    void IRangeFollower.Interrupted(string reason) => Log.WatchInterrupted(logger, reason);

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
