using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using EdgeImages.ControlPlane.Diagnostics;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;
using Mvccpb;

namespace EdgeImages.ControlPlane.Etcd;

/// <summary>
/// The one way the control plane reads stored documents: the admin API, the leader's jobs, the watched view
/// (<see cref="ClusterView"/>) and the dashboard. A value that is not a document of its kind (written straight into
/// etcd, or by a broken writer) is skipped where many are read, so one bad document cannot turn a list into a 500 or
/// blind the view; asked for alone it is a 409 naming its key. Either way it is logged with its key and counted
/// (<c>edgeimages.documents.unreadable</c>, by kind) once per stored version rather than at every read, since lists are
/// polled. The edges treat what they follow alike (their <c>DocumentRefusals</c>).
/// </summary>
internal sealed partial class DocumentReader(ControlPlaneMetrics metrics, ILogger<DocumentReader> logger)
{
    // Key -> the version last reported. One entry per key found unreadable, dropped once that key reads again, so the
    // map holds no more than the bad documents in etcd (and those fixed since that were not read again).
    private readonly ConcurrentDictionary<string, long> _reported = new(StringComparer.Ordinal);

    /// <summary>The documents among <paramref name="kvs"/> that read, in order; the others are reported and left out.</summary>
    public IEnumerable<T> ReadAll<T>(IEnumerable<KeyValue> kvs)
        where T : class =>
        ReadAllWithValues<T>(kvs).Select(read => read.Document);

    /// <summary>As <see cref="ReadAll{T}"/>, each document with the value it was read from (for a compare-and-swap).</summary>
    public IEnumerable<(KeyValue Kv, T Document)> ReadAllWithValues<T>(IEnumerable<KeyValue> kvs)
        where T : class
    {
        foreach (var kv in kvs)
        {
            if (TryRead<T>(kv, out var document))
            {
                yield return (kv, document);
            }
        }
    }

    /// <summary>The one document a request asked for; 409 problem+json naming its key when it does not read.</summary>
    public T Read<T>(KeyValue kv)
        where T : class =>
        TryRead<T>(kv, out var document) ? document : throw Unreadable<T>(kv.Key.ToStringUtf8());

    /// <summary>False, after reporting it, for a value that is not a <typeparamref name="T"/>: a background job skips it.</summary>
    public bool TryRead<T>(KeyValue kv, [NotNullWhen(true)] out T? document)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kv);
        if (DocumentJson.TryDecode(kv.Value, out document))
        {
            if (!_reported.IsEmpty)
            {
                _reported.TryRemove(kv.Key.ToStringUtf8(), out _);
            }

            return true;
        }

        var key = kv.Key.ToStringUtf8();
        var reported = _reported.GetOrAdd(key, -1);
        if (reported != kv.ModRevision && _reported.TryUpdate(key, kv.ModRevision, reported))
        {
            Log.Unreadable(logger, Kind<T>.Name, key, kv.ModRevision);
            metrics.DocumentUnreadable(Kind<T>.Name);
        }

        return false;
    }

    /// <summary>What a request for a document that does not read is answered (already reported when it was read).</summary>
    public static ControlPlaneProblemException Unreadable<T>(string key) =>
        ControlPlaneProblemException.Conflict(
            $"'{key}' holds no {Kind<T>.Name.Replace('_', ' ')} document this control plane can read (written into etcd by hand?). "
            + "Write it again through this API, or delete that key in etcd.");

    /// <summary>The metric's label for a document type: <c>SigningKeyDocument</c> is <c>signing_key</c>, as the edges say.</summary>
    private static class Kind<T>
    {
        public static readonly string Name = Label(typeof(T).Name);

        private static string Label(string type)
        {
            var name = type.EndsWith("Document", StringComparison.Ordinal) ? type[..^"Document".Length] : type;
            var label = new System.Text.StringBuilder(name.Length + 4);
            foreach (var c in name)
            {
                if (char.IsUpper(c) && label.Length > 0)
                {
                    label.Append('_');
                }

                label.Append(char.ToLowerInvariant(c));
            }

            return label.ToString();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Stored {Kind} document {Key} (revision {Revision}) does not read: left out of lists, refused when asked for alone. Write it again through the API or delete it.")]
        public static partial void Unreadable(ILogger logger, string kind, string key, long revision);
    }
}
