using System.Net;
using EdgeImages.Origin.Storage;
using EdgeImages.Origin.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeImages.Origin.Tests.Storage;

/// <summary>Retention with KeepVersions = 2 and MinAge = 1 h, on a clock the test moves.</summary>
public sealed class RetentionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Origin:Retention:KeepVersions"] = "2",
        ["Origin:Retention:MinAge"] = "01:00:00",
        ["Origin:Retention:BatchSize"] = "2", // several batches per pass
    };

    [Fact]
    public async Task Cleanup_OldVersionsBeyondTheNewestTwo_AreDeletedOnlyOnceOlderThanMinAge()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var node = await OriginServer.StartAsync(await postgres.NewDatabaseAsync(), Settings, s => s.AddSingleton<TimeProvider>(clock));
        var key = await node.CreateKeyAsync("keep");
        var versions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            versions.Add((await node.PutOkAsync("keep", "a.jpg", TestImages.Jpeg, key)).GetProperty("version").GetString()!);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var cleaner = node.Services.GetRequiredService<RetentionCleaner>();

        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, await cleaner.RunOnceAsync(CancellationToken.None)); // all younger than an hour

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, await cleaner.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await cleaner.RunOnceAsync(CancellationToken.None)); // idempotent

        foreach (var (version, index) in versions.Select((v, i) => (v, i)))
        {
            using var pinned = await node.EdgeGetAsync($"/v1/keep/a.jpg?version={version}");
            Assert.Equal(index >= 3 ? HttpStatusCode.OK : HttpStatusCode.NotFound, pinned.StatusCode);
        }

        using var latest = await node.EdgeGetAsync("/v1/keep/a.jpg");
        Assert.Equal(versions[^1], latest.Headers.GetValues("X-Origin-Version").Single());
    }

    [Fact]
    public async Task Cleanup_OnTwoNodesAtOnce_DeletesEachVersionOnceAndKeepsTheCurrentOnes()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var database = await postgres.NewDatabaseAsync();
        await using var a = await OriginServer.StartAsync(database, Settings, s => s.AddSingleton<TimeProvider>(clock));
        await using var b = await OriginServer.StartAsync(database, Settings, s => s.AddSingleton<TimeProvider>(clock));
        var key = await a.CreateKeyAsync("pair");
        foreach (var path in new[] { "x.jpg", "y.jpg", "z.jpg" })
        {
            for (var i = 0; i < 4; i++)
            {
                await a.PutOkAsync("pair", path, TestImages.Jpeg, key);
            }
        }

        // A single version, however old, is the current one and stays.
        await a.PutOkAsync("pair", "single.jpg", TestImages.Png, key);
        clock.Advance(TimeSpan.FromDays(30));

        var results = await Task.WhenAll(
            a.Services.GetRequiredService<RetentionCleaner>().RunOnceAsync(CancellationToken.None),
            b.Services.GetRequiredService<RetentionCleaner>().RunOnceAsync(CancellationToken.None));

        Assert.Equal(6, results.Sum(r => r ?? 0));
        Assert.Equal(0, await a.Services.GetRequiredService<RetentionCleaner>().RunOnceAsync(CancellationToken.None));
        foreach (var path in new[] { "x.jpg", "y.jpg", "z.jpg", "single.jpg" })
        {
            using var latest = await b.EdgeGetAsync($"/v1/pair/{path}");
            Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        }
    }
}
