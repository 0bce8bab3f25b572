namespace EdgeImages.Etcd;

/// <summary>etcd could not be reached or could not reach a quorum in time.</summary>
public sealed class EtcdUnavailableException : Exception
{
    public EtcdUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>A watch asked for a revision etcd has compacted: the watcher must read everything again.</summary>
public sealed class EtcdCompactedException(long compactRevision) : Exception($"Revision compacted (now {compactRevision}).")
{
    public long CompactRevision { get; } = compactRevision;
}
