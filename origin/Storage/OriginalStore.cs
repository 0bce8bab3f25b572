using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace EdgeImages.Origin.Storage;

/// <summary>
/// Originals in PostgreSQL, the store of record. Writes and every read of "the current version" go to the primary,
/// and a PUT returns only after its transaction committed (with a synchronous standby: after the standby flushed it
/// too), so any later read on any node sees it: read-your-writes without coordination between nodes, and across a
/// failover. Only reads of a pinned version, immutable once written, may be served by a standby.
/// </summary>
internal sealed class OriginalStore(OriginDatabase database)
{
    private readonly NpgsqlDataSource _primary = database.Primary;

    private const string VersionColumns = "tenant, path, version, generation, content_hash, bytes, width, height, format, content_type";

    /// <summary>
    /// Stores a new version and makes it the current one, in one transaction. The head row is upserted first: its
    /// row lock serialises concurrent PUTs of one path, so the generation it hands out follows commit order and
    /// the head always names the last committed version.
    /// </summary>
    public async Task<long> PutAsync(NewVersion version, Stream content, CancellationToken cancellationToken)
    {
        var connection = await _primary.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        long generation;
        using (var head = new NpgsqlCommand($"""
            INSERT INTO originals AS o ({VersionColumns}, updated_at)
            VALUES (@tenant, @path, @version, 1, @hash, @bytes, @width, @height, @format, @content_type, @created_at)
            ON CONFLICT (tenant, path) DO UPDATE SET
                version = excluded.version, generation = o.generation + 1, content_hash = excluded.content_hash,
                bytes = excluded.bytes, width = excluded.width, height = excluded.height, format = excluded.format,
                content_type = excluded.content_type, updated_at = excluded.updated_at
            RETURNING generation
            """, connection, transaction))
        {
            AddVersionParameters(head, version);
            generation = (long)(await head.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        using (var insert = new NpgsqlCommand($"""
            INSERT INTO original_versions ({VersionColumns}, created_at, content)
            VALUES (@tenant, @path, @version, @generation, @hash, @bytes, @width, @height, @format, @content_type, @created_at, @content)
            """, connection, transaction))
        {
            AddVersionParameters(insert, version);
            insert.Parameters.Add(new NpgsqlParameter<long>("generation", generation));
            // Streamed from the spooled upload to the server; never a second copy in memory.
            insert.Parameters.Add(new NpgsqlParameter("content", NpgsqlDbType.Bytea) { Value = content, Size = checked((int)version.Bytes) });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return generation;
    }

    /// <summary>
    /// The current version's metadata (from the primary), or a given version's (from a standby if one answers, and
    /// from the primary when the standby has not got it: it may not have replayed the upload yet, and a 404 from
    /// it would be cached by an edge); null when the primary has none either.
    /// </summary>
    public async Task<StoredVersion?> FindAsync(string tenant, string path, string? version, CancellationToken cancellationToken)
    {
        if (version is null)
        {
            return await FindAsync(_primary, tenant, path, version, cancellationToken).ConfigureAwait(false);
        }

        return await FindAsync(database.PreferStandby, tenant, path, version, cancellationToken).ConfigureAwait(false)
            ?? await FindAsync(_primary, tenant, path, version, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<StoredVersion?> FindAsync(NpgsqlDataSource dataSource, string tenant, string path, string? version, CancellationToken cancellationToken) =>
        database.ReadAsync(token => FindOnceAsync(dataSource, tenant, path, version, token), cancellationToken);

    private static async ValueTask<StoredVersion?> FindOnceAsync(NpgsqlDataSource dataSource, string tenant, string path, string? version, CancellationToken cancellationToken)
    {
        var sql = version is null
            ? $"SELECT {VersionColumns}, updated_at FROM originals WHERE tenant = @tenant AND path = @path"
            : $"SELECT {VersionColumns}, created_at FROM original_versions WHERE tenant = @tenant AND path = @path AND version = @version";
        using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
        command.Parameters.Add(new NpgsqlParameter<string>("path", path));
        if (version is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("version", version));
        }

        var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new StoredVersion(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetFieldValue<byte[]>(4),
            reader.GetInt64(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetString(8), reader.GetString(9),
            reader.GetFieldValue<DateTimeOffset>(10));
    }

    /// <summary>
    /// Streams one version's bytes into <paramref name="destination"/>; false when the version is gone (deleted or
    /// cleaned up since its metadata was read), before anything was written. The connection is held while the
    /// bytes flow, which is why the pool size also bounds concurrent downloads. A <paramref name="pinned"/> read may
    /// stream from a standby, and asks the primary when the standby does not have the version.
    /// </summary>
    public async Task<bool> CopyContentAsync(StoredVersion version, bool pinned, Func<Stream, Task> destination, CancellationToken cancellationToken) =>
        (pinned && await CopyContentAsync(database.PreferStandby, version, destination, cancellationToken).ConfigureAwait(false))
        || await CopyContentAsync(_primary, version, destination, cancellationToken).ConfigureAwait(false);

    private async Task<bool> CopyContentAsync(NpgsqlDataSource dataSource, StoredVersion version, Func<Stream, Task> destination, CancellationToken cancellationToken)
    {
        // Asked again on a stale connection only up to the row: once bytes flow to the destination, a failure is final.
        var reader = await database.ReadAsync(token => OpenContentAsync(dataSource, version, token), cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return false;
        }

        await using var readerScope = reader.ConfigureAwait(false);
        var content = await reader.GetStreamAsync(0, cancellationToken).ConfigureAwait(false);
        await using var contentScope = content.ConfigureAwait(false);
        await destination(content).ConfigureAwait(false);
        return true;
    }

    /// <summary>The reader positioned on the version's row, or null (and nothing held) when there is none.</summary>
    private static async ValueTask<NpgsqlDataReader?> OpenContentAsync(NpgsqlDataSource dataSource, StoredVersion version, CancellationToken cancellationToken)
    {
        using var command = dataSource.CreateCommand(
            "SELECT content FROM original_versions WHERE tenant = @tenant AND path = @path AND version = @version");
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", version.Tenant));
        command.Parameters.Add(new NpgsqlParameter<string>("path", version.Path));
        command.Parameters.Add(new NpgsqlParameter<string>("version", version.Version));
        var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        try
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return reader;
            }
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await reader.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Deletes an original with every version it has, pinned ones included (see origin/README.md: a delete is a
    /// takedown). False when there was no such original.
    /// </summary>
    public async Task<bool> DeleteAsync(string tenant, string path, CancellationToken cancellationToken)
    {
        var connection = await _primary.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        int heads;
        using (var head = new NpgsqlCommand("DELETE FROM originals WHERE tenant = @tenant AND path = @path", connection, transaction))
        {
            head.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
            head.Parameters.Add(new NpgsqlParameter<string>("path", path));
            heads = await head.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (heads == 0)
        {
            return false;
        }

        // After the head's row lock: a PUT of this path that committed first has its version deleted here too.
        using (var versions = new NpgsqlCommand("DELETE FROM original_versions WHERE tenant = @tenant AND path = @path", connection, transaction))
        {
            versions.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
            versions.Parameters.Add(new NpgsqlParameter<string>("path", path));
            await versions.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// One page of a tenant's live originals whose path starts with <paramref name="prefix"/>, after
    /// <paramref name="after"/>, in byte order of the path (C collation): keyset pagination, stable under
    /// concurrent writes, each page one index range scan.
    /// </summary>
    public async Task<IReadOnlyList<ListedOriginal>> ListAsync(string tenant, string prefix, string after, int limit, CancellationToken cancellationToken) =>
        await database.ReadAsync(token => ListOnceAsync(tenant, prefix, after, limit, token), cancellationToken).ConfigureAwait(false);

    private async ValueTask<IReadOnlyList<ListedOriginal>> ListOnceAsync(string tenant, string prefix, string after, int limit, CancellationToken cancellationToken)
    {
        using var command = _primary.CreateCommand("""
            SELECT path, version, bytes, width, height, format, updated_at FROM originals
            WHERE tenant = @tenant AND path LIKE @pattern AND path > @after
            ORDER BY path
            LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
        command.Parameters.Add(new NpgsqlParameter<string>("pattern", EscapeLike(prefix) + "%"));
        command.Parameters.Add(new NpgsqlParameter<string>("after", after));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var items = new List<ListedOriginal>(limit);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new ListedOriginal(
                reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return items;
    }

    /// <summary>Any member of the cluster answers (readiness; a failover under way does not make the node unready).</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var command = database.Any.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    private static void AddVersionParameters(NpgsqlCommand command, NewVersion version)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", version.Tenant));
        command.Parameters.Add(new NpgsqlParameter<string>("path", version.Path));
        command.Parameters.Add(new NpgsqlParameter<string>("version", version.Version));
        command.Parameters.Add(new NpgsqlParameter<byte[]>("hash", version.ContentHash));
        command.Parameters.Add(new NpgsqlParameter<long>("bytes", version.Bytes));
        command.Parameters.Add(new NpgsqlParameter<int>("width", version.Width));
        command.Parameters.Add(new NpgsqlParameter<int>("height", version.Height));
        command.Parameters.Add(new NpgsqlParameter<string>("format", version.Format));
        command.Parameters.Add(new NpgsqlParameter<string>("content_type", version.ContentType));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("created_at", version.CreatedAt));
    }
}
