using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.ControlPlane.Tests.Leadership;

public sealed class LeaderFailoverTests : IAsyncLifetime
{
    private EtcdCluster _etcd = null!;

    public async Task InitializeAsync() => _etcd = await EtcdCluster.StartAsync();

    public async Task DisposeAsync() => await _etcd.DisposeAsync();

    [Fact]
    public async Task KilledOrStoppedLeader_IsReplaced_NeverTwoLeadersAtOnce()
    {
        // The production default TTL: the failover tested is the one operators get (loadtests' control-plane command
        // measures how long it takes).
        var settings = new Dictionary<string, string?> { ["Leadership:LeaseTtl"] = "00:00:05" };
        await using var a = await ControlPlaneServer.StartAsync(_etcd.Endpoints, "cp-a", settings);
        await using var b = await ControlPlaneServer.StartAsync(_etcd.Endpoints, "cp-b", settings);
        await Eventually.WaitAsync(() => a.Election.IsLeader || b.Election.IsLeader, TimeSpan.FromSeconds(20), "a leader");
        var (leader, follower) = a.Election.IsLeader ? (a, b) : (b, a);

        // Watch for two leaders at once, all along.
        using var stop = new CancellationTokenSource();
        var twoLeaders = 0;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (a.Election.IsLeader && b.Election.IsLeader)
                {
                    twoLeaders++;
                }

                await Task.Delay(5);
            }
        });

        // Crash: the leader stops renewing and vanishes without revoking its lease.
        leader.Election.Abandon();
        await leader.StopAsync();
        await Eventually.WaitAsync(() => follower.Election.IsLeader, TimeSpan.FromSeconds(30), "the follower takes over", TimeSpan.FromMilliseconds(5));

        // Graceful: a new replica, then the current leader stops and revokes its lease.
        await using var c = await ControlPlaneServer.StartAsync(_etcd.Endpoints, "cp-c", settings);
        await follower.StopAsync();
        await Eventually.WaitAsync(() => c.Election.IsLeader, TimeSpan.FromSeconds(30), "the new replica takes over", TimeSpan.FromMilliseconds(5));

        await stop.CancelAsync();
        await watcher;
        Assert.Equal(0, twoLeaders);
        var leaderKey = await c.Client.GetStringAsync("/v1/leader");
        Assert.Contains("cp-c", leaderKey, StringComparison.Ordinal);
    }
}
