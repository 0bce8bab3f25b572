using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>
/// Brings the schema up to date before the server takes requests. Idempotent and safe when several nodes start
/// at once: everything runs in one transaction that first takes a transaction-scoped advisory lock, so the second
/// node waits, then finds the versions already recorded in <c>schema_version</c> and does nothing. DDL is
/// transactional in PostgreSQL, so a node that dies half-way leaves nothing half-applied.
/// If the database cannot be reached the node does not start: an orchestrator restarts it, and a node that
/// answered requests against an unknown schema would be worse.
/// It connects as the schema owner (<c>Origin:Database:MigrationConnectionString</c>), on the primary, for this
/// alone, and grants the application role exactly the privileges <see cref="Schema.ApplicationPrivileges"/> lists:
/// the role that serves requests cannot create, alter or drop anything.
/// </summary>
internal sealed partial class SchemaMigrator(IOptions<DatabaseOptions> options, ILoggerFactory loggerFactory, ILogger<SchemaMigrator> logger)
{
    // pg_advisory_xact_lock key: "EdgeImgS" as a big-endian int64, unlikely to clash with anything else in the database.
    private const long MigrationLockKey = 0x45646765496D6753;

    // Waiting for another node's migration is not a slow query; the command timeout would be too short for it.
    private const int MigrationCommandTimeoutSeconds = 120;

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cluster = new NpgsqlDataSourceBuilder(settings.EffectiveMigrationConnectionString()).UseLoggerFactory(loggerFactory).BuildMultiHost();
        await using var clusterScope = cluster.ConfigureAwait(false);
        var dataSource = cluster.WithTargetSession(TargetSessionAttributes.ReadWrite);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(" + MigrationLockKey + ")", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, cancellationToken).ConfigureAwait(false);

        int current;
        using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection))
        {
            current = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var applied = 0;
        foreach (var (version, sql) in Schema.Migrations)
        {
            if (version <= current)
            {
                continue;
            }

            await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO schema_version (version) VALUES ({version})", cancellationToken).ConfigureAwait(false);
            Log.Applied(logger, version);
            applied++;
        }

        // Every start, not once: GRANT is idempotent, and a role recreated by the deployment gets its privileges back.
        if (settings.ApplicationRole is { Length: > 0 } role && role != connection.UserName)
        {
            foreach (var grant in Schema.ApplicationPrivileges)
            {
                await ExecuteAsync(connection, $"GRANT {grant} TO {QuoteIdentifier(role)}", cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return applied;
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = MigrationCommandTimeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Applied schema migration {Version}.")]
        public static partial void Applied(ILogger logger, int version);
    }
}

/// <summary>
/// Runs <see cref="SchemaMigrator"/> in the host's Starting phase, before the server listens. It resolves the
/// migrator only then: hosted services are constructed before options are validated at start-up, and building
/// the data source from an invalid configuration there would report one options error instead of all of them.
/// </summary>
internal sealed class SchemaMigrationService(IServiceProvider services) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) =>
        services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The schema, as an append-only list of migrations. Never edit one that has shipped; add the next.</summary>
internal static class Schema
{
    /// <summary>
    /// Originals are HASH-partitioned by tenant: one tenant's rows live in one partition, every query names its
    /// tenant so the planner prunes to that partition, and a huge tenant's vacuum does not walk everyone's rows.
    /// 16 is fixed here: changing a hash modulus means rewriting the table, so it is chosen once, generously.
    /// </summary>
    public const int Partitions = 16;

    /// <summary>
    /// What the application role may do, table by table, and nothing more: what OriginalStore, KeyStore and the
    /// retention cleaner run. Versions are never updated (immutable); keys are only ever revoked. Grants on a
    /// partitioned table cover its partitions when reached through it, which is the only way the origin reaches them.
    /// </summary>
    public static readonly IReadOnlyList<string> ApplicationPrivileges =
    [
        "SELECT, INSERT ON tenants",
        "SELECT, INSERT, UPDATE (revoked_at) ON api_keys",
        "SELECT, INSERT, UPDATE, DELETE ON originals",
        "SELECT, INSERT, DELETE ON original_versions",
    ];

    public static readonly IReadOnlyList<(int Version, string Sql)> Migrations =
    [
        (1, $$"""
            CREATE TABLE IF NOT EXISTS tenants (
                tenant text COLLATE "C" PRIMARY KEY,
                created_at timestamptz NOT NULL);

            CREATE TABLE IF NOT EXISTS api_keys (
                key_id text COLLATE "C" PRIMARY KEY,
                tenant text COLLATE "C" NOT NULL REFERENCES tenants (tenant),
                key_hash bytea NOT NULL,
                created_at timestamptz NOT NULL,
                revoked_at timestamptz);

            -- The current version of every live original: what unversioned reads and listings see. The metadata is
            -- copied from the version so that listing never touches the bytes. generation counts the PUTs of this
            -- path under the row lock, so it orders versions by commit.
            CREATE TABLE IF NOT EXISTS originals (
                tenant text COLLATE "C" NOT NULL,
                path text COLLATE "C" NOT NULL,
                version text COLLATE "C" NOT NULL,
                generation bigint NOT NULL,
                content_hash bytea NOT NULL,
                bytes bigint NOT NULL,
                width integer NOT NULL,
                height integer NOT NULL,
                format text NOT NULL,
                content_type text NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (tenant, path)
            ) PARTITION BY HASH (tenant);

            -- Every stored version, immutable once written, with its bytes.
            CREATE TABLE IF NOT EXISTS original_versions (
                tenant text COLLATE "C" NOT NULL,
                path text COLLATE "C" NOT NULL,
                version text COLLATE "C" NOT NULL,
                generation bigint NOT NULL,
                content_hash bytea NOT NULL,
                bytes bigint NOT NULL,
                width integer NOT NULL,
                height integer NOT NULL,
                format text NOT NULL,
                content_type text NOT NULL,
                created_at timestamptz NOT NULL,
                content bytea NOT NULL,
                PRIMARY KEY (tenant, path, version)
            ) PARTITION BY HASH (tenant);

            DO $$
            BEGIN
                FOR i IN 0..{{Partitions - 1}} LOOP
                    EXECUTE format('CREATE TABLE IF NOT EXISTS originals_p%s PARTITION OF originals FOR VALUES WITH (MODULUS {{Partitions}}, REMAINDER %s)', i, i);
                    EXECUTE format('CREATE TABLE IF NOT EXISTS original_versions_p%s PARTITION OF original_versions FOR VALUES WITH (MODULUS {{Partitions}}, REMAINDER %s)', i, i);
                END LOOP;
            END $$;

            -- Images are compressed already; TOAST's pglz would burn CPU to save nothing. Out of line, uncompressed.
            ALTER TABLE original_versions ALTER COLUMN content SET STORAGE EXTERNAL;
            """),
    ];
}
