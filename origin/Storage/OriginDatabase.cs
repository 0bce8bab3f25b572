using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>
/// The cluster as the origin's queries see it: one pool per node over every host of the connection string
/// (Npgsql multi-host), from which each query takes the kind of server its promise needs. Npgsql asks each host
/// whether it is in recovery and remembers the answer for <see cref="DatabaseOptions.HostRecheck"/>, so after a
/// failover the next connection finds the promoted standby by itself; no restart, no Patroni API in the path.
/// </summary>
internal sealed class OriginDatabase(NpgsqlMultiHostDataSource cluster) : IAsyncDisposable
{
    /// <summary>
    /// The primary: every write, and every read whose answer must include the last acknowledged write (the current
    /// version, listings, keys). With no primary (an election under way) opening fails at once, which the origin
    /// answers with 503 and <c>Retry-After</c>; it never falls back to a standby that may not have replayed a write.
    /// </summary>
    public NpgsqlDataSource Primary { get; } = cluster.WithTargetSession(TargetSessionAttributes.ReadWrite);

    /// <summary>
    /// A standby if one answers, else the primary: for reads of an immutable, pinned version, which are the same
    /// wherever they are found. A standby's "not found" is not final (it may not have replayed the upload yet);
    /// <see cref="OriginalStore"/> asks the primary before answering 404.
    /// </summary>
    public NpgsqlDataSource PreferStandby { get; } = cluster.WithTargetSession(TargetSessionAttributes.PreferStandby);

    /// <summary>Any host that answers: readiness is "this node reaches its database", not "a primary exists right now".</summary>
    public NpgsqlDataSource Any { get; } = cluster.WithTargetSession(TargetSessionAttributes.Any);

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
