using EdgeImages.Testing;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// One secure Redis Cluster (three primaries, a replica each, TLS and the region's ACL user) shared by a test class:
/// it takes a few seconds to form, so its tests share it and keep their keys apart by original.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RedisClusterFixture : IAsyncLifetime, IDisposable
{
    public const string Region = "us-east";

    private readonly TestPki _pki = new();

    public RedisCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await RedisCluster.StartSecureAsync(_pki, [Region]);

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    /// <summary>
    /// An edge of <see cref="Region"/> on the cluster. A generous budget: on a loaded test machine the production
    /// 50 ms can (rightly) turn a first call into a miss, which would hide the tier these tests look at.
    /// </summary>
    public Dictionary<string, string?> EdgeSettings()
    {
        var settings = Cluster.EdgeSettings(Region);
        settings["Caching:RedisBudget"] = "00:00:02";
        settings["Caching:RedisCooldown"] = "00:00:00.500";
        return settings;
    }

    /// <summary>How many of <paramref name="original"/>'s variants each running primary holds (by the L2 key's prefix).</summary>
    public async Task<int[]> VariantsPerPrimaryAsync(string original)
    {
        var counts = new List<int>();
        foreach (var primary in await Cluster.PrimariesAsync())
        {
            counts.Add(await RedisCluster.KeyCountAsync(primary, $"edge:{Infrastructure.EdgeServer.Tenant}/{original}@*"));
        }

        return [.. counts];
    }
}
