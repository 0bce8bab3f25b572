using Npgsql;
using Polly;
using Polly.Retry;

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

    private readonly ResiliencePipeline _staleConnectionRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(IsStaleConnection),
            MaxRetryAttempts = 1,
            Delay = TimeSpan.Zero,
            // The connection that failed is seldom the only one: every idle connection to that server is as dead. And
            // Npgsql, seeing it break, marked its host offline until the next recheck: cleared, the retry asks each host
            // again (after a failover, the promoted standby answers as the primary).
            OnRetry = _ =>
            {
                cluster.Clear();
                cluster.ClearDatabaseStates();
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    /// <summary>
    /// Runs a read, and once more on a fresh connection when it failed on a pooled one whose server side was gone:
    /// after a failover or a restart, each idle connection to the old server fails on its first use, and without this
    /// each would cost a read its 503. Only a read that returned nothing yet may be asked again (reads are idempotent;
    /// a stream already flowing to a client is not), and only for that failure: a server that refuses or does not
    /// answer fails as before, at once, with 503 and <c>Retry-After</c>.
    /// </summary>
    public ValueTask<T> ReadAsync<T>(Func<CancellationToken, ValueTask<T>> read, CancellationToken cancellationToken) =>
        _staleConnectionRetry.ExecuteAsync(static (read, token) => read(token), read, cancellationToken);

    /// <summary>
    /// The server ended the session (<c>57P01</c> terminated by an administrator or a shutdown, <c>57P02</c> crash
    /// shutdown), or the stream of an open connection ended or was reset: not a refused connect (a socket error) nor a
    /// timeout, which mean the server is down or slow now, when asking again at once would not help.
    /// </summary>
    internal static bool IsStaleConnection(NpgsqlException exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown,
        _ => exception.InnerException is IOException,
    };

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
