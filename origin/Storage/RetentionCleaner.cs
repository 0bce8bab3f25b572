using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>
/// Deletes versions that retention no longer keeps. Safe to run on every node at once: each batch runs in a
/// transaction that first tries a transaction-scoped advisory lock, and a node that does not get it stops (another
/// node is cleaning). Idempotent: the set it deletes is computed from the data each time, so a pass interrupted
/// half-way or repeated deletes nothing twice and nothing that should stay.
/// </summary>
internal sealed partial class RetentionCleaner(
    OriginDatabase database,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionCleaner> logger)
{
    private const long CleanupLockKey = 0x45646765496D6752; // "EdgeImgR"

    /// <summary>Runs one pass; the number of versions deleted, or null when another node holds the lock.</summary>
    public async Task<int?> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = time.GetUtcNow() - settings.MinAge;
        var total = 0;
        while (true)
        {
            var connection = await database.Primary.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            using (var lockCommand = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({CleanupLockKey})", connection, transaction))
            {
                if (!(bool)(await lockCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    Log.Skipped(logger);
                    return total == 0 ? null : total;
                }
            }

            int deleted;
            using (var delete = new NpgsqlCommand("""
                WITH ranked AS (
                    SELECT tenant, path, version, created_at,
                           row_number() OVER (PARTITION BY tenant, path ORDER BY generation DESC) AS rank
                    FROM original_versions),
                doomed AS (
                    SELECT r.tenant, r.path, r.version FROM ranked r
                    WHERE r.rank > @keep AND r.created_at < @cutoff
                      AND NOT EXISTS (SELECT 1 FROM originals o
                                      WHERE o.tenant = r.tenant AND o.path = r.path AND o.version = r.version)
                    LIMIT @batch)
                DELETE FROM original_versions v USING doomed d
                WHERE v.tenant = d.tenant AND v.path = d.path AND v.version = d.version
                """, connection, transaction))
            {
                delete.Parameters.Add(new NpgsqlParameter<long>("keep", settings.KeepVersions));
                delete.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("cutoff", cutoff));
                delete.Parameters.Add(new NpgsqlParameter<int>("batch", settings.BatchSize));
                deleted = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < settings.BatchSize)
            {
                Log.Completed(logger, total);
                return total;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Retention deleted {Count} old versions.")]
        public static partial void Completed(ILogger logger, int count);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Retention skipped: another node is cleaning.")]
        public static partial void Skipped(ILogger logger);
    }
}

/// <summary>
/// Runs <see cref="RetentionCleaner"/> every <see cref="RetentionOptions.Interval"/>; a failed pass is logged and retried next time.
/// The cleaner is resolved when the loop starts, not in the constructor, for the reason given on SchemaMigrationService.
/// </summary>
internal sealed partial class RetentionService(
    IServiceProvider services,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var cleaner = services.GetRequiredService<RetentionCleaner>();
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await cleaner.RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (StorageFailure.IsUnavailable(exception))
            {
                Log.Failed(logger, exception.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Retention pass failed, will retry: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
