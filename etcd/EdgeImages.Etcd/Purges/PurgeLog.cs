using System.Globalization;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Watching;
using Etcdserverpb;
using Mvccpb;

namespace EdgeImages.Etcd.Purges;

/// <summary>Purge events an edge can replay, and whether they are all it missed.</summary>
/// <param name="Events">Every event still stored that was committed after the revision asked about, oldest first.</param>
/// <param name="Complete">
/// False when events committed after that revision may have been deleted (the leader's retention): what they evicted
/// cannot be known, so nothing cached before can be proved clean.
/// </param>
public sealed record PurgeReplay(IReadOnlyList<(PurgeDocument Document, long Revision)> Events, bool Complete);

/// <summary>
/// The log of purge events under <c>purges/</c> and its horizon. Events are kept for the control plane's retention and
/// then deleted by its leader, which raises <c>purge-horizon</c> to the highest revision it deleted, in the same
/// transaction. An edge that could not follow the log (its watch was down while etcd compacted history) replays the
/// events still there and, by the horizon, knows whether any it missed are gone.
/// </summary>
public static class PurgeLog
{
    /// <summary>The ranges a purge follower reads and watches.</summary>
    public static IReadOnlyList<string> Ranges(EtcdKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return [keys.Purges, keys.PurgeHorizon];
    }

    /// <summary>What an edge that had applied everything up to <paramref name="appliedThrough"/> must still apply.</summary>
    public static PurgeReplay Replay(EtcdKeys keys, RangeRead read, long appliedThrough)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(read);
        var events = new List<(PurgeDocument, long)>();
        var horizon = 0L;
        foreach (var kv in read.Kvs)
        {
            var key = kv.Key.ToStringUtf8();
            if (key == keys.PurgeHorizon)
            {
                // A horizon that does not parse proves nothing: take it as "everything may be gone".
                horizon = DocumentJson.TryDecode<PurgeHorizonDocument>(kv.Value, out var document) ? document.Revision : long.MaxValue;
            }
            else if (kv.ModRevision > appliedThrough && DocumentJson.TryDecode<PurgeDocument>(kv.Value, out var purge))
            {
                events.Add((purge, kv.ModRevision));
            }
        }

        return new PurgeReplay([.. events.OrderBy(e => e.Item2)], horizon <= appliedThrough);
    }

    /// <summary>
    /// For the leader: deletes every event issued before <paramref name="cutoff"/> and raises the horizon past them, in
    /// one transaction, so no edge can miss an event without being able to tell.
    /// </summary>
    public static async Task DeleteIssuedBeforeAsync(EtcdGateway etcd, EtcdKeys keys, DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentNullException.ThrowIfNull(keys);
        // Purge keys sort by time, so everything older than the cutoff is one contiguous range.
        var end = keys.Purges + cutoff.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
        var read = new TxnRequest();
        read.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdGateway.Bytes(keys.Purges), RangeEnd = EtcdGateway.Bytes(end), KeysOnly = true } });
        read.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdGateway.Bytes(keys.PurgeHorizon) } });
        var current = await etcd.TxnAsync(read, cancellationToken).ConfigureAwait(false);
        var doomed = current.Responses[0].ResponseRange.Kvs;
        if (doomed.Count == 0)
        {
            return;
        }

        var horizon = current.Responses[1].ResponseRange.Kvs is [var held] && DocumentJson.TryDecode<PurgeHorizonDocument>(held.Value, out var document)
            ? document.Revision
            : 0;
        var write = new TxnRequest();
        write.Success.Add(new RequestOp
        {
            RequestPut = new PutRequest
            {
                Key = EtcdGateway.Bytes(keys.PurgeHorizon),
                Value = DocumentJson.Encode(new PurgeHorizonDocument(Math.Max(horizon, doomed.Max(kv => kv.ModRevision)), now)),
            },
        });
        write.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdGateway.Bytes(keys.Purges), RangeEnd = EtcdGateway.Bytes(end) } });
        // Only if nothing in the range changed since the read (an event written below the cutoff by a skewed clock):
        // the horizon must cover every event deleted. Otherwise the next round tries again.
        write.Compare.Add(new Compare
        {
            Key = EtcdGateway.Bytes(keys.Purges),
            RangeEnd = EtcdGateway.Bytes(end),
            Target = Compare.Types.CompareTarget.Mod,
            Result = Compare.Types.CompareResult.Less,
            ModRevision = current.Header.Revision + 1,
        });
        await etcd.TxnAsync(write, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether an event is a purge event (and not the horizon) of this layout.</summary>
    public static bool IsEvent(EtcdKeys keys, KeyValue kv)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(kv);
        return kv.Key.ToStringUtf8().StartsWith(keys.Purges, StringComparison.Ordinal);
    }
}
