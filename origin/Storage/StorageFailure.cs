using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>Tells a database that is down, paused, restarting or overloaded (a 503 and a retry) from a bug (a 500).</summary>
internal static class StorageFailure
{
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        // Server-side errors are transient only for their own kinds: shutdown, too many connections, serialization.
        PostgresException postgres => postgres.IsTransient || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal),
        // Client-side: refused, reset, timed out (connect, command or pool), broken stream.
        NpgsqlException => true,
        TimeoutException => true,
        _ => false,
    };
}
