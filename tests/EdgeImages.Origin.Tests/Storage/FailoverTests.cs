using System.Collections.Concurrent;
using System.Net;
using EdgeImages.Origin.Tests.Infrastructure;
using EdgeImages.Testing;
using Npgsql;

namespace EdgeImages.Origin.Tests.Storage;

/// <summary>
/// The origin on PostgreSQL under Patroni (issue 17, point 6): the primary killed (SIGKILL to Patroni and PostgreSQL,
/// as losing its machine) under writes, while no primary exists, and a standby that lags. The promises: an upload
/// that was acknowledged is never lost; without a primary the origin answers 503 with Retry-After, never an old
/// version; an unversioned read never comes from a standby. Only hang guards are timed.
/// </summary>
[Collection(PatroniTests.Name)]
public sealed class FailoverTests(PatroniFixture fixture)
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Put_PrimaryKilledUnderWrites_EveryAcknowledgedUploadIsReadableByteForByte()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var acknowledged = new ConcurrentBag<(string Path, string Version, byte[] Content)>();
        var refusals = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var counter = 0;

        async Task WriteAsync(OriginServer node)
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref counter);
                var path = $"upload-{n}.jpg";
                var content = Distinct(n);
                using var response = await node.PutAsync(tenant, path, content, key);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged.Add((path, response.Headers.GetValues("X-Origin-Version").Single(), content));
                }
                else
                {
                    refusals.Add(response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null
                        ? "503 with Retry-After"
                        : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    await Task.Delay(50);
                }
            }
        }

        var writers = new[] { fixture.A, fixture.B, fixture.A, fixture.B }.Select(node => Task.Run(() => WriteAsync(node))).ToArray();
        await Eventually.WaitAsync(() => acknowledged.Count >= 20, HangGuard, "20 uploads acknowledged before the crash");
        var crashed = await fixture.CrashPrimaryAsync();
        try
        {
            var beforeFailover = acknowledged.Count;
            await fixture.Cluster.WaitForLeaderAsync(not: crashed);
            try
            {
                await Eventually.WaitAsync(() => acknowledged.Count >= beforeFailover + 20, HangGuard, "20 uploads acknowledged after the failover");
            }
            catch (TimeoutException timeout)
            {
                var why = fixture.Logs.Entries.Where(e => e.Contains("answered 503", StringComparison.Ordinal)).TakeLast(2);
                var leader = await fixture.Cluster.WaitForLeaderAsync();
                var ssn = await ScalarAsync<string>(leader, "SHOW synchronous_standby_names");
                var waits = await ScalarAsync<string>(leader, "SELECT string_agg(coalesce(wait_event, '-') || ':' || coalesce(state, '-') || ':' || left(query, 40), ' | ') FROM pg_stat_activity WHERE datname = 'origin'");
                throw new TimeoutException(timeout.Message + $"; ssn={ssn}; waits={waits}; the origin's last 503s:\n" + string.Join('\n', why)
                    + "\n" + string.Join("\n", fixture.Cluster.Nodes.Select(n => n.Name + ":\n" + n.Output)), timeout);
            }
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            Assert.All(refusals, refusal => Assert.Equal("503 with Retry-After", refusal));
            foreach (var (path, version, content) in acknowledged)
            {
                using var pinned = await fixture.B.EdgeGetAsync($"/v1/{tenant}/{path}?version={version}");
                Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
                Assert.Equal(content, await pinned.Content.ReadAsByteArrayAsync());
                using var latest = await LatestAsync(fixture.A, $"/v1/{tenant}/{path}");
                Assert.True(latest.StatusCode == HttpStatusCode.OK, $"{path}: {(int)latest.StatusCode} {await latest.Content.ReadAsStringAsync()}");
                Assert.Equal(version, latest.Headers.GetValues("X-Origin-Version").Single());
            }
        }
        finally
        {
            // The cluster is shared with the other tests of the collection: whole again whatever this one found.
            await stop.CancelAsync();
            await fixture.RejoinAsync(crashed);
        }
    }

    /// <summary>
    /// An unversioned read as a client that honours the contract makes it: a 503 with <c>Retry-After</c> (a pooled
    /// connection to the killed primary failing once, an election) is asked again; any other answer is the answer.
    /// </summary>
    private static async Task<HttpResponseMessage> LatestAsync(OriginServer node, string pathAndQuery)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (true)
        {
            var response = await node.EdgeGetAsync(pathAndQuery, guard.Token);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null || guard.IsCancellationRequested)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(100, guard.Token);
        }
    }

    [Fact]
    public async Task Get_WhileNoPrimaryExists_Answers503WithRetryAfterAndNeverAnOlderVersion()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var first = (await fixture.A.PutOkAsync(tenant, "a.jpg", Distinct(1), key)).GetProperty("version").GetString();
        var second = (await fixture.A.PutOkAsync(tenant, "a.jpg", Distinct(2), key)).GetProperty("version").GetString();

        var crashed = await fixture.CrashPrimaryAsync();
        // Patroni's ttl has not run out: the standby is still a standby, nobody is primary.
        using var latest = await fixture.B.EdgeGetAsync($"/v1/{tenant}/a.jpg");
        using var write = await fixture.B.PutAsync(tenant, "b.jpg", Distinct(3), key);
        using var pinned = await fixture.B.EdgeGetAsync($"/v1/{tenant}/a.jpg?version={first}");
        var stillNoPrimary = true;
        foreach (var node in fixture.Cluster.Nodes.Where(n => n.IsRunning))
        {
            stillNoPrimary &= await node.RoleAsync() is not ("primary" or "master");
        }

        Assert.True(stillNoPrimary, "The standby was promoted before the reads; the test saw no window without a primary.");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, latest.StatusCode);
        Assert.NotNull(latest.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
        Assert.NotNull(write.Headers.RetryAfter);
        // A pinned version is immutable: the standby serves it while there is no primary.
        Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        Assert.Equal(Distinct(1), await pinned.Content.ReadAsByteArrayAsync());

        await fixture.Cluster.WaitForLeaderAsync(not: crashed);
        using var after = await Eventually.ValueAsync(
            () => fixture.A.EdgeGetAsync($"/v1/{tenant}/a.jpg"), r => r.StatusCode != HttpStatusCode.ServiceUnavailable, HangGuard, "a read after the failover");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(second, after.Headers.GetValues("X-Origin-Version").Single());
        await fixture.RejoinAsync(crashed);
    }

    [Fact]
    public async Task Get_StandbyNotReplaying_UnversionedReadsTheLatestAndPinnedFallsBackToThePrimary()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var old = (await fixture.A.PutOkAsync(tenant, "a.jpg", Distinct(1), key)).GetProperty("version").GetString();
        var leader = await fixture.Cluster.WaitForLeaderAsync();
        var standby = fixture.Cluster.Nodes.Single(n => n != leader);
        // Maintenance mode first: Patroni resumes a paused replay on its next loop otherwise.
        await fixture.Cluster.SetMaintenanceAsync(true);
        await ExecuteAsync(standby, "SELECT pg_wal_replay_pause()");
        try
        {
            var latest = (await fixture.A.PutOkAsync(tenant, "a.jpg", Distinct(2), key)).GetProperty("version").GetString();
            var standbyHas = await ScalarAsync<long>(standby, $"SELECT count(*) FROM original_versions WHERE tenant = '{tenant}' AND version = '{latest}'");

            using var unversioned = await fixture.B.EdgeGetAsync($"/v1/{tenant}/a.jpg");
            using var pinnedLatest = await fixture.B.EdgeGetAsync($"/v1/{tenant}/a.jpg?version={latest}");
            using var pinnedOld = await fixture.B.EdgeGetAsync($"/v1/{tenant}/a.jpg?version={old}");

            Assert.Equal(0, standbyHas); // the standby lags: it has not replayed the second upload
            Assert.Equal(latest, unversioned.Headers.GetValues("X-Origin-Version").Single());
            Assert.Equal(Distinct(2), await unversioned.Content.ReadAsByteArrayAsync());
            Assert.Equal(HttpStatusCode.OK, pinnedLatest.StatusCode);
            Assert.Equal(Distinct(2), await pinnedLatest.Content.ReadAsByteArrayAsync());
            Assert.Equal(HttpStatusCode.OK, pinnedOld.StatusCode);
        }
        finally
        {
            await ExecuteAsync(standby, "SELECT pg_wal_replay_resume()");
            await fixture.Cluster.SetMaintenanceAsync(false);
        }
    }

    /// <summary>The tiny JPEG with a counter after its end: each upload's bytes differ, and a reader that mixed them up would show.</summary>
    private static byte[] Distinct(int n) => [.. TestImages.Jpeg, .. BitConverter.GetBytes(n)];

    private async Task ExecuteAsync(PatroniNode node, string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.Cluster.SuperuserConnectionString(node));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(PatroniNode node, string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.Cluster.SuperuserConnectionString(node));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The tests that share one Patroni cluster run one at a time: each of them kills its primary.</summary>
[CollectionDefinition(Name)]
public sealed class PatroniTests : ICollectionFixture<PatroniFixture>
{
    public const string Name = "Patroni";
}
