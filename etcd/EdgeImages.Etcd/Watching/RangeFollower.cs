using Mvccpb;

namespace EdgeImages.Etcd.Watching;

/// <summary>Every key of the followed ranges at one revision.</summary>
/// <param name="Kvs">The keys, in the order of the ranges.</param>
/// <param name="Revision">The revision they were read at; the watch goes on from the next one.</param>
/// <param name="ResumeFailedAfter">
/// 0 on a first read. Otherwise the revision the follower had applied when etcd could no longer replay what came after
/// it (its history was compacted): changes between that revision and <paramref name="Revision"/> are not known one by
/// one, only their result, and a follower that acts on changes (a purge) rather than state must decide what it can
/// still prove.
/// </param>
public sealed record RangeRead(IReadOnlyList<KeyValue> Kvs, long Revision, long ResumeFailedAfter);

/// <summary>What <see cref="RangeFollowing.FollowAsync"/> tells the one that follows some ranges of etcd.</summary>
public interface IRangeFollower
{
    /// <summary>The whole picture, replacing whatever was held (at start, and after a compaction).</summary>
    ValueTask LoadAsync(RangeRead read, CancellationToken cancellationToken);

    /// <summary>Changes in commit order; <paramref name="revision"/> is the highest among them.</summary>
    ValueTask ApplyAsync(IReadOnlyList<Event> events, long revision, CancellationToken cancellationToken);

    /// <summary>The watch broke or etcd cannot be reached; the follower keeps what it has and it is retried.</summary>
    void Interrupted(string reason);
}

/// <summary>
/// Load-then-watch, the one way the control plane and the edges follow etcd: one consistent read of every range (one
/// transaction, one revision), then a watch of the same ranges from the next revision. A broken watch resumes from the
/// last revision applied, so nothing committed meanwhile is skipped; only when etcd has compacted that revision away
/// are the ranges read again, and the follower is told what it could not replay.
/// </summary>
public static class RangeFollowing
{
    /// <summary>How long a watch may stay silent (progress requests included) before it is taken for broken.</summary>
    public static readonly TimeSpan WatchIdle = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(250);

    /// <param name="fromRevision">
    /// The revision already applied (from a file, say): the watch starts after it without a first read, unless etcd
    /// has compacted it. 0 starts with a read.
    /// </param>
    public static async Task FollowAsync(
        this EtcdGateway etcd, IReadOnlyList<string> prefixes, IRangeFollower follower, TimeProvider time, long fromRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentNullException.ThrowIfNull(follower);
        var revision = fromRevision;
        var read = fromRevision == 0;
        var resumeFailedAfter = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (read)
                {
                    var response = await etcd.ReadAllAsync(prefixes, cancellationToken).ConfigureAwait(false);
                    var kvs = response.Responses.SelectMany(op => op.ResponseRange.Kvs).ToList();
                    await follower.LoadAsync(new RangeRead(kvs, response.Header.Revision, resumeFailedAfter), cancellationToken).ConfigureAwait(false);
                    (revision, read, resumeFailedAfter) = (response.Header.Revision, false, 0);
                }

                await foreach (var response in etcd.WatchAsync(prefixes, revision + 1, WatchIdle, cancellationToken).ConfigureAwait(false))
                {
                    // Progress answers carry no events. Their revision is not taken: with several ranges on one stream,
                    // one range may be ahead of another.
                    if (response.Events.Count == 0)
                    {
                        continue;
                    }

                    var reached = Math.Max(revision, response.Events.Max(e => e.Kv.ModRevision));
                    await follower.ApplyAsync(response.Events, reached, cancellationToken).ConfigureAwait(false);
                    revision = reached;
                }
            }
            catch (EtcdCompactedException)
            {
                (read, resumeFailedAfter) = (true, revision);
            }
#pragma warning disable CA1031 // A background loop must outlive any failure of etcd or the network; it reports and retries.
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                follower.Interrupted(exception.Message);
                await Task.Delay(RetryAfter, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
