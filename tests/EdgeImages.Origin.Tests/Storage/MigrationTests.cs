using EdgeImages.Origin.Storage;
using EdgeImages.Origin.Tests.Infrastructure;
using Npgsql;

namespace EdgeImages.Origin.Tests.Storage;

public sealed class MigrationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task TwoNodesStartingAtOnce_OnAnEmptyDatabase_BothStartAndTheSchemaIsAppliedOnce()
    {
        var database = await postgres.NewDatabaseAsync();

        var nodes = await Task.WhenAll(OriginServer.StartAsync(database), OriginServer.StartAsync(database));
        try
        {
            Assert.Equal([1], await AppliedVersionsAsync(database.MigrationConnectionString));
            Assert.Equal(Schema.Partitions * 2, await ScalarAsync<long>(database.MigrationConnectionString,
                "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('originals', 'original_versions')"));
            var key = await nodes[0].CreateKeyAsync("m");
            await nodes[1].PutOkAsync("m", "a.jpg", TestImages.Jpeg, key);
        }
        finally
        {
            await nodes[0].DisposeAsync();
            await nodes[1].DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrate_OnAnUpToDateSchema_AppliesNothingAndKeepsData()
    {
        var database = await postgres.NewDatabaseAsync();
        await using var node = await OriginServer.StartAsync(database);
        var key = await node.CreateKeyAsync("again");
        await node.PutOkAsync("again", "a.jpg", TestImages.Jpeg, key);

        var applied = await node.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);

        Assert.Equal(0, applied);
        Assert.Equal([1], await AppliedVersionsAsync(database.MigrationConnectionString));
        using var read = await node.EdgeGetAsync("/v1/again/a.jpg");
        Assert.Equal(System.Net.HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Originals_AreHashPartitionedByTenant()
    {
        var database = await postgres.NewDatabaseAsync();
        await using var node = await OriginServer.StartAsync(database);

        var strategy = await ScalarAsync<string>(database.MigrationConnectionString,
            "SELECT pg_get_partkeydef('original_versions'::regclass)");

        Assert.Equal("HASH (tenant)", strategy);
    }

    private static async Task<List<int>> AppliedVersionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM schema_version ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
