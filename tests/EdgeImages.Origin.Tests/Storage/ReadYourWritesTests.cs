using System.Net;
using EdgeImages.Origin.Tests.Infrastructure;
using Npgsql;

namespace EdgeImages.Origin.Tests.Storage;

/// <summary>Two origin nodes (two real Kestrel apps) on one PostgreSQL.</summary>
public sealed class ReadYourWritesTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private OriginServer _a = null!;
    private OriginServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await OriginServer.StartAsync(postgres.Logins);
        _b = await OriginServer.StartAsync(postgres.Logins);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task PutOnNodeA_GetOnNodeBRightAfter_ReturnsTheNewVersion100TimesInARow()
    {
        var key = await _a.CreateKeyAsync("ryw");
        byte[][] images = [TestImages.Jpeg, TestImages.Png];
        for (var i = 0; i < 100; i++)
        {
            var content = images[i % 2];
            var put = await _a.PutOkAsync("ryw", "hot.img", content, key);
            var version = put.GetProperty("version").GetString();

            using var read = await _b.EdgeGetAsync("/v1/ryw/hot.img");

            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(version, read.Headers.GetValues("X-Origin-Version").Single());
            Assert.Equal(content, await read.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task ConcurrentPutsOfOnePath_EveryVersionIsStoredAndTheLatestIsTheLastCommitted()
    {
        var key = await _a.CreateKeyAsync("race");
        const int Writers = 24;
        var puts = await Task.WhenAll(Enumerable.Range(0, Writers).Select(async i =>
        {
            var node = i % 2 == 0 ? _a : _b;
            var body = await node.PutOkAsync("race", "contended.jpg", i % 3 == 0 ? TestImages.Png : TestImages.Jpeg, key);
            return body.GetProperty("version").GetString()!;
        }));

        Assert.Equal(Writers, puts.Distinct().Count());
        foreach (var version in puts)
        {
            using var pinned = await _b.EdgeGetAsync($"/v1/race/contended.jpg?version={version}");
            Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        }

        // Commit order is what the row lock hands out as generation: 1..N without gaps, the head holding N.
        await using var connection = new NpgsqlConnection(postgres.Logins.MigrationConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT version, generation FROM original_versions WHERE tenant = 'race' AND path = 'contended.jpg' ORDER BY generation", connection);
        var rows = new List<(string Version, long Generation)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        Assert.Equal(Enumerable.Range(1, Writers).Select(i => (long)i), rows.Select(r => r.Generation));
        Assert.Equal(puts.Order(), rows.Select(r => r.Version).Order());
        using var latest = await _a.EdgeGetAsync("/v1/race/contended.jpg");
        Assert.Equal(rows[^1].Version, latest.Headers.GetValues("X-Origin-Version").Single());
    }

    [Fact]
    public async Task DeleteOnNodeA_GetOnNodeBRightAfter_Returns404()
    {
        var key = await _a.CreateKeyAsync("gone");
        await _b.PutOkAsync("gone", "x.jpg", TestImages.Jpeg, key);

        using (var deleted = await _a.SendAsync(HttpMethod.Delete, "/v1/gone/x.jpg", key))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var read = await _b.EdgeGetAsync("/v1/gone/x.jpg");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }
}
