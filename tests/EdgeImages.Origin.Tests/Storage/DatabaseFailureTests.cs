using System.Net;
using EdgeImages.Origin.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Origin.Tests.Storage;

/// <summary>
/// The real PostgreSQL paused (SIGSTOP: sockets open, nothing answers) and killed (SIGKILL). The origin must answer
/// 503 with Retry-After rather than hang, and recover by itself. The only time limit asserted is a hang guard.
/// </summary>
public sealed class DatabaseFailureTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(15);

    private OriginServer _origin = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _origin = await OriginServer.StartAsync(postgres.Logins, new Dictionary<string, string?>
        {
            ["Origin:Database:ConnectTimeout"] = "00:00:02",
            ["Origin:Database:CommandTimeout"] = "00:00:02",
        });
        _key = await _origin.CreateKeyAsync("down");
        await _origin.PutOkAsync("down", "a.jpg", TestImages.Jpeg, _key);
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Fact]
    public async Task Get_PostgresPaused_Returns503WithRetryAfterInsteadOfHanging()
    {
        postgres.Server.Pause();
        try
        {
            using var guard = new CancellationTokenSource(HangGuard);
            using var read = await _origin.EdgeGetAsync("/v1/down/a.jpg", guard.Token);
            using var ready = await _origin.EdgeGetAsync("/readyz", guard.Token);
            using var write = await _origin.PutAsync("down", "b.jpg", TestImages.Jpeg, _key);

            AssertUnavailable(read);
            AssertUnavailable(ready);
            AssertUnavailable(write);
            using var live = await _origin.EdgeGetAsync("/healthz", guard.Token);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            postgres.Server.Resume();
        }

        await AssertRecoversAsync();
    }

    [Fact]
    public async Task Get_PostgresKilledThenRestarted_Returns503ThenRecoversByItself()
    {
        await postgres.Server.KillAsync();
        try
        {
            using var guard = new CancellationTokenSource(HangGuard);
            using var read = await _origin.EdgeGetAsync("/v1/down/a.jpg", guard.Token);
            AssertUnavailable(read);
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        await AssertRecoversAsync();
    }

    [Fact]
    public async Task Get_PooledConnectionsTerminatedByTheServer_AnsweredFromAFreshConnection()
    {
        // What a failover or a restart leaves behind: idle pooled connections whose server side is gone. A read is
        // asked again on a fresh connection instead of failing with a 503 once per stale connection.
        using (var warm = await _origin.EdgeGetAsync("/v1/down/a.jpg"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        await using (var superuser = new Npgsql.NpgsqlConnection(postgres.Server.ConnectionStringFor("postgres") + ";Pooling=false"))
        {
            await superuser.OpenAsync();
            await using var terminate = new Npgsql.NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @database AND pid <> pg_backend_pid()", superuser);
            terminate.Parameters.AddWithValue("database", new Npgsql.NpgsqlConnectionStringBuilder(postgres.Logins.ConnectionString).Database!);
            Assert.True((long)(await terminate.ExecuteScalarAsync())! > 0, "the origin held pooled connections");
        }

        using var guard = new CancellationTokenSource(HangGuard);
        using var read = await _origin.EdgeGetAsync("/v1/down/a.jpg", guard.Token);
        using var version = await _origin.EdgeGetAsync("/v1/down/a.jpg", guard.Token);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(TestImages.Jpeg, await read.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
    }

    private static void AssertUnavailable(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    private Task AssertRecoversAsync() =>
        Eventually.WaitAsync(
            async () =>
            {
                using var guard = new CancellationTokenSource(HangGuard);
                using var read = await _origin.EdgeGetAsync("/v1/down/a.jpg", guard.Token);
                if (read.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal(TestImages.Jpeg, await read.Content.ReadAsByteArrayAsync());
                    return true;
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
                return false;
            },
            TimeSpan.FromSeconds(30), "reads answered again once PostgreSQL is back", TimeSpan.FromMilliseconds(100));
}
