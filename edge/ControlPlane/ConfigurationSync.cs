using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Watching;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Mvccpb;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// Follows what the edge is configured with at the control plane: <c>keys/</c>, <c>tenants/</c>, <c>drain/{pop}</c>
/// and its region's Redis generation (<c>cache-generations/{region}</c>), by the shared load-then-watch. Each change
/// swaps the whole snapshot and rewrites the state file. A document the edge cannot parse or that breaks the rules
/// (<see cref="DocumentRules"/>) is refused: the last good value of that key stays, and the refusal is logged and
/// counted (<see cref="DocumentRefusals"/>). Nothing here is on the request
/// path: with etcd gone, requests go on with the last snapshot.
/// </summary>
internal sealed partial class ConfigurationSync(
    EtcdGateway etcd,
    ControlPlaneState state,
    IVariantCache cache,
    EdgeMetrics metrics,
    DocumentRefusals refusals,
    IOptions<ControlPlaneOptions> options,
    TimeProvider time,
    ILogger<ConfigurationSync> logger) : BackgroundService, IRangeFollower
{
    private readonly ControlPlaneOptions _options = options.Value;
    private readonly EtcdKeys _keys = new(options.Value.Prefix);

    private string Drain => _keys.Drain(_options.Pop!);

    private string Generation => _keys.CacheGeneration(_options.Region!);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The generation of the last known good snapshot (from the state file) is in force until etcd answers.
        cache.ForgetDistributed(state.Snapshot.CacheGeneration);
        return etcd.FollowAsync([_keys.Keys, _keys.Tenants, Drain, Generation], this, time, fromRevision: 0, stoppingToken);
    }

    ValueTask IRangeFollower.LoadAsync(RangeRead read, CancellationToken cancellationToken)
    {
        // A fresh picture: keys and tenants deleted meanwhile are gone, but a refused document keeps its last good value.
        var previous = state.Snapshot;
        var snapshot = ControlPlaneSnapshot.Empty with { CacheGeneration = previous.CacheGeneration };
        foreach (var kv in read.Kvs)
        {
            snapshot = Apply(snapshot, previous, kv.Key.ToStringUtf8(), kv.Value);
        }

        Publish(snapshot with { Revision = read.Revision, Source = "etcd" });
        return ValueTask.CompletedTask;
    }

    ValueTask IRangeFollower.ApplyAsync(IReadOnlyList<Event> events, long revision, CancellationToken cancellationToken)
    {
        var snapshot = state.Snapshot;
        foreach (var change in events)
        {
            snapshot = Apply(snapshot, snapshot, change.Kv.Key.ToStringUtf8(), change.Type == Event.Types.EventType.Delete ? null : change.Kv.Value);
        }

        Publish(snapshot with { Revision = revision, Source = "etcd" });
        return ValueTask.CompletedTask;
    }

    void IRangeFollower.Interrupted(string reason) => Log.SyncInterrupted(logger, reason, state.Snapshot.Source);

    /// <param name="lastGood">Where a refused document's last good value is taken from.</param>
    private ControlPlaneSnapshot Apply(ControlPlaneSnapshot snapshot, ControlPlaneSnapshot lastGood, string key, ByteString? value)
    {
        if (key.StartsWith(_keys.Keys, StringComparison.Ordinal))
        {
            var kid = key[_keys.Keys.Length..];
            if (value is null)
            {
                return snapshot with { Keys = snapshot.Keys.Remove(kid) };
            }

            var problem = !DocumentJson.TryDecode<SigningKeyDocument>(value, out var document) ? "not a signing key document"
                : DocumentRules.SigningKey(kid, document) is { Count: > 0 } errors ? string.Join(" ", errors)
                : !state.CanOpen(document) ? "the sealed secret does not open with ControlPlane:MasterKey"
                : null;
            return problem is null
                ? snapshot with { Keys = snapshot.Keys.SetItem(kid, document!) }
                : Refuse("signing_key", key, problem, snapshot with { Keys = Keep(snapshot.Keys, lastGood.Keys, kid) });
        }

        if (key.StartsWith(_keys.Tenants, StringComparison.Ordinal))
        {
            var id = key[_keys.Tenants.Length..];
            if (value is null)
            {
                return snapshot with { Tenants = snapshot.Tenants.Remove(id) };
            }

            var problem = !DocumentJson.TryDecode<TenantDocument>(value, out var document) ? "not a tenant document"
                : DocumentRules.Tenant(id, document) is { Count: > 0 } errors ? string.Join(" ", errors)
                : null;
            return problem is null
                ? snapshot with { Tenants = snapshot.Tenants.SetItem(id, document!) }
                : Refuse("tenant", key, problem, snapshot with { Tenants = Keep(snapshot.Tenants, lastGood.Tenants, id) });
        }

        if (key == Generation)
        {
            // Deleting the generation, or lowering it, would make Redis entries of an older generation readable again.
            if (value is null)
            {
                return Refuse("cache_generation", key, "deleted; the generation never goes back", snapshot);
            }

            var problem = !DocumentJson.TryDecode<CacheGenerationDocument>(value, out var document) ? "not a cache generation document"
                : DocumentRules.CacheGeneration(_options.Region!, document) is { Count: > 0 } errors ? string.Join(" ", errors)
                : document.Generation < lastGood.CacheGeneration ? $"generation {document.Generation} is below {lastGood.CacheGeneration}; it never goes back"
                : null;
            return problem is null ? snapshot with { CacheGeneration = document!.Generation } : Refuse("cache_generation", key, problem, snapshot);
        }

        return key == Drain ? snapshot with { Drained = value is not null } : snapshot;
    }

    private ControlPlaneSnapshot Refuse(string kind, string key, string reason, ControlPlaneSnapshot kept)
    {
        refusals.Refuse(kind, key, reason);
        return kept;
    }

    private static System.Collections.Immutable.ImmutableDictionary<string, T> Keep<T>(
        System.Collections.Immutable.ImmutableDictionary<string, T> into, System.Collections.Immutable.ImmutableDictionary<string, T> lastGood, string id) =>
        lastGood.TryGetValue(id, out var good) ? into.SetItem(id, good) : into.Remove(id);

    private void Publish(ControlPlaneSnapshot snapshot)
    {
        var generation = state.Snapshot.CacheGeneration;
        state.Swap(snapshot);
        if (snapshot.CacheGeneration != generation)
        {
            cache.ForgetDistributed(snapshot.CacheGeneration);
        }

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

    private static partial class Log
    {
        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Control-plane sync interrupted ({Reason}); serving the last known good state (from {Source}).")]
        public static partial void SyncInterrupted(ILogger logger, string reason, string source);

        [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Could not write the control-plane state file ({Reason}).")]
        public static partial void StateFileFailed(ILogger logger, string reason);
    }
}
