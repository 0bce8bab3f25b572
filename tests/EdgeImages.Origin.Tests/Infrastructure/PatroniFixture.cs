using EdgeImages.Testing;

namespace EdgeImages.Origin.Tests.Infrastructure;

/// <summary>
/// A Patroni cluster (primary and synchronous standby, etcd as DCS) and two origin nodes on it, as the application
/// role with every member in their host list. Tests that crash the primary leave the cluster as they found it: the
/// old primary rejoined as a standby and a synchronous standby in place.
/// </summary>
public sealed class PatroniFixture : IAsyncLifetime
{
    private int _tenants;

    public PatroniCluster Cluster { get; private set; } = null!;

    /// <summary>What both nodes logged (why a request was answered 503), for failure messages.</summary>
    public CapturedLogs Logs { get; } = new();

    internal OriginServer A { get; private set; } = null!;

    internal OriginServer B { get; private set; } = null!;

    public async Task<(string Tenant, string Key)> NewTenantAsync()
    {
        var tenant = $"f{Interlocked.Increment(ref _tenants)}-{Guid.NewGuid():N}"[..20];
        return (tenant, await A.CreateKeyAsync(tenant));
    }

    /// <summary>Kills the primary's Patroni and PostgreSQL at once (SIGKILL), returning the member that died.</summary>
    public async Task<PatroniNode> CrashPrimaryAsync()
    {
        var leader = await Cluster.WaitForLeaderAsync();
        await leader.CrashAsync();
        return leader;
    }

    /// <summary>Brings a crashed member back and waits until it is a synchronous standby again.</summary>
    public async Task RejoinAsync(PatroniNode node)
    {
        await node.RejoinAsync();
        await Cluster.WaitForSyncStandbyAsync();
    }

    public async Task InitializeAsync()
    {
        Cluster = await PatroniCluster.StartAsync();
        A = await OriginServer.StartAsync(Cluster.Origin, services: Logs.AddTo);
        B = await OriginServer.StartAsync(Cluster.Origin, services: Logs.AddTo);
    }

    public async Task DisposeAsync()
    {
        if (A is not null)
        {
            await A.DisposeAsync();
        }

        if (B is not null)
        {
            await B.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        Logs.Dispose();
    }
}
