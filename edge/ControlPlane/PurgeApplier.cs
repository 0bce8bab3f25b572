using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Purges;
using EdgeImages.Etcd.Watching;
using Etcdserverpb;
using Microsoft.Extensions.Options;
using Mvccpb;
using StackExchange.Redis;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// Applies the control plane's purges (<c>purges/</c>, by the shared load-then-watch): each evicts its target from
/// this edge's memory and its region's Redis. A broken watch resumes from the last revision applied, so purges
/// committed meanwhile are applied in order. When etcd has compacted that revision away the log is read again
/// (<see cref="PurgeLog"/>): every purge still stored that came after it is applied, and when the horizon says some it
/// missed are gone, nothing this edge holds can be proved clean. It then drops its memory (and fences its fills) and
/// raises its region's Redis generation, so that nothing any edge of the region wrote before is read again.
/// An edge that starts has nothing in memory, but its region's Redis may have missed purges while every edge of the
/// region was down: it catches up from the region's <see cref="RegionPurgeMark"/> the same way, and raises the mark
/// after every purge it applies.
/// </summary>
internal sealed partial class PurgeApplier(
    EtcdGateway etcd,
    IVariantCache cache,
    RegionPurgeMark regionMark,
    EdgeMetrics metrics,
    DocumentRefusals refusals,
    IOptions<ControlPlaneOptions> options,
    TimeProvider time,
    ILogger<PurgeApplier> logger) : BackgroundService, IRangeFollower
{
    /// <summary>A revision from which nothing can be proved: the region's mark could not be read, or is ahead of etcd.</summary>
    private const long Unknown = -1;

    private readonly ControlPlaneOptions _options = options.Value;
    private readonly EtcdKeys _keys = new(options.Value.Prefix);

    /// <summary>Purges applied so far, replayed ones included (tests wait on it).</summary>
    public event Action<PurgeDocument>? Purged;

    /// <summary>Raised when the log was read again after a compaction, before what it holds is applied (tests wait on it).</summary>
    public event Action<PurgeReplay>? Replaying;

    /// <summary>Raised when missed purges could not be replayed and everything was dropped (tests wait on it).</summary>
    public event Action<long>? Forgot;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        etcd.FollowAsync(PurgeLog.Ranges(_keys), this, time, fromRevision: 0, stoppingToken);

    async ValueTask IRangeFollower.LoadAsync(RangeRead read, CancellationToken cancellationToken)
    {
        // After a compaction, from what this edge had applied; at start, from what its region's Redis was purged through.
        var appliedThrough = read.ResumeFailedAfter > 0 ? read.ResumeFailedAfter : await RegionMarkAsync(read.Revision).ConfigureAwait(false);
        if (appliedThrough != 0)
        {
            await CatchUpAsync(read, appliedThrough, cancellationToken).ConfigureAwait(false);
        }

        await RecordAsync(read.Revision).ConfigureAwait(false);
        metrics.ControlPlaneRevisionApplied(read.Revision);
    }

    /// <summary>
    /// Applies the stored purges committed after <paramref name="appliedThrough"/>; when some may be gone (or
    /// <paramref name="appliedThrough"/> is <see cref="Unknown"/>), first drops memory and raises the region's generation.
    /// </summary>
    private async Task CatchUpAsync(RangeRead read, long appliedThrough, CancellationToken cancellationToken)
    {
        var replay = appliedThrough == Unknown ? new PurgeReplay([], Complete: false) : PurgeLog.Replay(_keys, read, appliedThrough);
        Replaying?.Invoke(replay);
        if (!replay.Complete)
        {
            Log.PurgesLost(logger, appliedThrough, read.Revision);
            cache.ForgetEverything();
            var generation = await RaiseGenerationAsync(cancellationToken).ConfigureAwait(false);
            cache.ForgetDistributed(generation);
            Forgot?.Invoke(generation);
        }
        else
        {
            Log.PurgesReplayed(logger, replay.Events.Count, appliedThrough, read.Revision);
        }

        // The replay carries documents, not keys: the refusals below name the key each came from.
        var keys = new Dictionary<(long Revision, string Id), string>();
        foreach (var kv in read.Kvs)
        {
            if (appliedThrough != Unknown && kv.ModRevision > appliedThrough && PurgeLog.IsEvent(_keys, kv))
            {
                if (DocumentJson.TryDecode<PurgeDocument>(kv.Value, out var document))
                {
                    keys[(kv.ModRevision, document.Id)] = kv.Key.ToStringUtf8();
                }
                else
                {
                    Refuse(kv.Key.ToStringUtf8(), "not a purge document");
                }
            }
        }

        foreach (var (purge, revision) in replay.Events)
        {
            await ApplyAsync(purge, keys.GetValueOrDefault((revision, purge.Id), purge.Id), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Where a starting edge picks up the purge log: the region's mark, or 0 when there is none (no Redis, whose
    /// memory-only edge starts empty; or a Redis no edge has marked yet, which this edge marks from now on).
    /// </summary>
    private async Task<long> RegionMarkAsync(long revision)
    {
        if (!regionMark.HasRedis)
        {
            return 0;
        }

        try
        {
            var mark = await regionMark.ReadAsync().ConfigureAwait(false);
            if (mark > revision)
            {
                // etcd's history starts again below the mark (a restored or a new cluster): revisions no longer compare.
                Log.MarkAhead(logger, mark, revision);
                return Unknown;
            }

            return mark;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Log.MarkUnreadable(logger, exception.Message);
            return Unknown;
        }
    }

    /// <summary>
    /// Raises the region's mark. A mark left behind (Redis away) costs a starting edge a replay of purges already
    /// applied, which evict nothing new.
    /// </summary>
    private async Task RecordAsync(long revision)
    {
        if (!regionMark.HasRedis)
        {
            return;
        }

        try
        {
            await regionMark.RecordAsync(revision).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Log.MarkNotRecorded(logger, revision, exception.Message);
        }
    }

    async ValueTask IRangeFollower.ApplyAsync(IReadOnlyList<Event> events, long revision, CancellationToken cancellationToken)
    {
        foreach (var change in events)
        {
            if (change.Type == Event.Types.EventType.Put && PurgeLog.IsEvent(_keys, change.Kv))
            {
                if (DocumentJson.TryDecode<PurgeDocument>(change.Kv.Value, out var purge))
                {
                    await ApplyAsync(purge, change.Kv.Key.ToStringUtf8(), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    Refuse(change.Kv.Key.ToStringUtf8(), "not a purge document");
                }
            }
        }

        await RecordAsync(revision).ConfigureAwait(false);
        metrics.ControlPlaneRevisionApplied(revision);
    }

    void IRangeFollower.Interrupted(string reason) => Log.WatchInterrupted(logger, reason);

    /// <param name="key">The etcd key the purge was read from, which a refusal names.</param>
    private async Task ApplyAsync(PurgeDocument purge, string key, CancellationToken cancellationToken)
    {
        if (PurgeTarget.FromDocument(purge) is not { } target)
        {
            Refuse(key, "it names no valid tenant, path or folder");
            return;
        }

        await cache.PurgeAsync(target, cancellationToken).ConfigureAwait(false);
        // Lag from the document's own timestamp: the control plane's clock when it committed the purge.
        metrics.PurgeApplied(purge.At);
        Purged?.Invoke(purge);
    }

    private void Refuse(string key, string reason) => refusals.Refuse("purge", key, reason);

    /// <summary>
    /// Raises the region's Redis generation by one, compare-and-swap. When another edge raised it after this one read
    /// it, that raise is as good (it came after this edge's gap), and its value is taken.
    /// </summary>
    private async Task<long> RaiseGenerationAsync(CancellationToken cancellationToken)
    {
        var key = _keys.CacheGeneration(_options.Region!);
        var held = await etcd.GetAsync(key, cancellationToken).ConfigureAwait(false);
        var current = held is not null && DocumentJson.TryDecode<CacheGenerationDocument>(held.Value, out var document) ? document.Generation : 0;
        var next = current + 1;
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = EtcdGateway.Bytes(key),
            Target = Compare.Types.CompareTarget.Mod,
            Result = Compare.Types.CompareResult.Equal,
            ModRevision = held?.ModRevision ?? 0,
        });
        txn.Success.Add(new RequestOp
        {
            RequestPut = new PutRequest
            {
                Key = EtcdGateway.Bytes(key),
                Value = DocumentJson.Encode(new CacheGenerationDocument(_options.Region!, next, $"{_options.Pop}/{_options.EdgeId}", time.GetUtcNow())),
            },
        });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdGateway.Bytes(key) } });
        var response = await etcd.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            Log.GenerationRaised(logger, _options.Region!, next);
            return next;
        }

        var raced = response.Responses[0].ResponseRange.Kvs;
        return raced.Count == 1 && DocumentJson.TryDecode<CacheGenerationDocument>(raced[0].Value, out var theirs) ? Math.Max(theirs.Generation, next) : next;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Purge watch interrupted ({Reason}); resuming from the last revision applied.")]
        public static partial void WatchInterrupted(ILogger logger, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "etcd compacted the purges after revision {After}; replayed {Count} stored purges up to revision {Revision}.")]
        public static partial void PurgesReplayed(ILogger logger, int count, long after, long revision);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Purges after revision {After} were deleted before this edge could apply them (up to revision {Revision}): dropping its memory tier and raising the region's Redis generation.")]
        public static partial void PurgesLost(ILogger logger, long after, long revision);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Redis generation of region {Region} raised to {Generation}: what the region cached before is no longer read.")]
        public static partial void GenerationRaised(ILogger logger, string region, long generation);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "The region's Redis was purged through revision {Mark}, past etcd's revision {Revision}: etcd's history started again, so what Redis holds cannot be proved clean.")]
        public static partial void MarkAhead(ILogger logger, long mark, long revision);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "The region's purge mark could not be read from Redis ({Reason}): what Redis holds cannot be proved clean.")]
        public static partial void MarkUnreadable(ILogger logger, string reason);

        [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "The region's purge mark was not raised to revision {Revision} ({Reason}); an edge that starts will replay from the older mark.")]
        public static partial void MarkNotRecorded(ILogger logger, long revision, string reason);
    }
}
