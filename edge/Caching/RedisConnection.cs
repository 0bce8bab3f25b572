using EdgeImages.Etcd.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// The one connection to the region's Redis, opened when the edge starts rather than by the first request
/// (whose budget a connection handshake would blow), and reopened by the client by itself after an outage. Over TLS
/// with the deployment CA pinned and as the region's ACL user when so configured (<see cref="RedisConfiguration"/>);
/// the L2 tier and the regional tenant quotas share it.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly Task<IConnectionMultiplexer> _connecting;
    private readonly PinnedCertificateAuthority? _authority;

    public RedisConnection(IOptions<CacheOptions> options)
    {
        _authority = options.Value.RedisCaFile is { Length: > 0 } ca ? PinnedCertificateAuthority.FromPemFile(ca) : null;
        var configuration = RedisConfiguration.Build(options.Value, _authority);
        // Never block start-up on Redis, and fail commands at once while disconnected instead of queueing
        // them: the edge's own budget decides how long a request may wait.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = 2000;
        configuration.AsyncTimeout = 1000;
        configuration.SyncTimeout = 1000;
        // On a Redis Cluster, a lost primary's slots come back when the client sees its replica promoted. It looks by
        // asking the nodes' roles, after a disconnect at growing intervals capped by this (60 s by default), so the
        // default could leave those slots missing for long after the cluster has failed over (8.5 s measured with a
        // 2 s node timeout). Every 2 s costs an INFO per node now and then; one Redis is unaffected.
        configuration.ConfigCheckSeconds = 2;
        _connecting = ConnectAsync(configuration);
    }

    public Task<IConnectionMultiplexer> Multiplexer => _connecting;

    public bool IsConnected => _connecting.IsCompletedSuccessfully && _connecting.Result.IsConnected;

    private static async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration) =>
        await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);

    public void Dispose()
    {
        if (_connecting.IsCompletedSuccessfully)
        {
            _connecting.Result.Dispose();
        }

        _authority?.Dispose();
    }
}

/// <summary>Readiness of L2: degraded (not unhealthy) when Redis is away, since the edge serves without it.</summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.IsConnected
            ? HealthCheckResult.Healthy("Redis connected.")
            : HealthCheckResult.Degraded("Redis unreachable; serving from memory and origin."));
}
