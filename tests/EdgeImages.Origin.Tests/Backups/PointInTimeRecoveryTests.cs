using System.Net;
using EdgeImages.Origin.Tests.Infrastructure;
using EdgeImages.Testing;
using Npgsql;

namespace EdgeImages.Origin.Tests.Backups;

/// <summary>
/// The backup promise (issue 17.5) on a real PostgreSQL that archives its WAL: a base backup, then an original
/// uploaded in two versions and deleted by mistake through the origin's API; a copy of the database recovered to the
/// moment before the delete in a temporary server of its own; the original's rows copied back from it; and the
/// origin serving both versions again, byte for byte. As deploy.ps1's restore-original drill does on the topology.
/// </summary>
public sealed class PointInTimeRecoveryTests
{
    private const string Tenant = "restore";
    private const string Path = "photos/cat.jpg";

    [Fact]
    public async Task Restore_ToMomentBeforeMistakenDelete_ServesEveryVersionAgainByteForByte()
    {
        await using var server = await PostgresServer.StartWithWalArchiveAsync();
        var logins = await server.CreateOriginDatabaseAsync("origin");
        await using var origin = await OriginServer.StartAsync(logins);
        var key = await origin.CreateKeyAsync(Tenant);
        var backup = await server.BaseBackupAsync();

        byte[] first = TestImages.Jpeg, second = TestImages.Png;
        var firstVersion = (await origin.PutOkAsync(Tenant, Path, first, key)).GetProperty("version").GetString()!;
        var secondVersion = (await origin.PutOkAsync(Tenant, Path, second, key)).GetProperty("version").GetString()!;
        // The database's own clock: what commit timestamps, and so recovery_target_time, are measured by.
        var beforeDelete = await ScalarAsync<DateTime>(server.ConnectionStringFor("origin"), "SELECT clock_timestamp()");
        using (var delete = await origin.SendAsync(HttpMethod.Delete, $"/v1/{Tenant}/{Path}", key))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var gone = await origin.EdgeGetAsync($"/v1/{Tenant}/{Path}?version={firstVersion}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        // The delete's commit must be in the archive for recovery to know where the target lies.
        await server.SwitchWalAsync();

        await using (var restored = await server.RestoreAsync(backup, new DateTimeOffset(beforeDelete, TimeSpan.Zero)))
        {
            var recovered = restored.ConnectionStringFor("origin");
            Assert.Equal(2L, await ScalarAsync<long>(recovered, $"SELECT count(*) FROM original_versions WHERE tenant = '{Tenant}' AND path = '{Path}'"));
            await CopyBackAsync(recovered, server.ConnectionStringFor("origin"), "original_versions");
            await CopyBackAsync(recovered, server.ConnectionStringFor("origin"), "originals");
        }

        foreach (var (version, bytes) in new[] { (firstVersion, first), (secondVersion, second) })
        {
            using var pinned = await origin.EdgeGetAsync($"/v1/{Tenant}/{Path}?version={version}");
            Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
            Assert.Equal(bytes, await pinned.Content.ReadAsByteArrayAsync());
        }

        using var current = await origin.EdgeGetAsync($"/v1/{Tenant}/{Path}");
        Assert.Equal(secondVersion, current.Headers.GetValues("X-Origin-Version").Single());
        Assert.Equal(second, await current.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The original's rows of one table, from the recovered copy into the live database, in COPY's binary format (no conversion of the bytes).</summary>
    private static async Task CopyBackAsync(string from, string to, string table)
    {
        await using var source = new NpgsqlConnection(from + ";Pooling=false");
        await using var target = new NpgsqlConnection(to + ";Pooling=false");
        await source.OpenAsync();
        await target.OpenAsync();
        await using var reader = await source.BeginRawBinaryCopyAsync(
            $"COPY (SELECT * FROM {table} WHERE tenant = '{Tenant}' AND path = '{Path}') TO STDOUT (FORMAT binary)");
        await using (var writer = await target.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT binary)"))
        {
            await reader.CopyToAsync(writer);
        }
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
