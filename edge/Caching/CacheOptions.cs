using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>Configuration section <c>Caching</c>.</summary>
internal sealed class CacheOptions
{
    public const string SectionName = "Caching";

    /// <summary>
    /// <c>Caching:MemoryLimitBytes</c>: the memory tier's budget for response bodies. 256 MiB holds some
    /// ten thousand typical 25 KB variants while leaving room for decode buffers on a small node.
    /// </summary>
    public long MemoryLimitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// <c>Caching:MaxAge</c>: how long an unversioned variant is fresh, here and in browsers
    /// (<c>Cache-Control: max-age</c>). An hour bounds how long a replaced original can linger
    /// without a purge, at a cost of one revalidation an hour per variant.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// <c>Caching:StaleIfError</c>: how long a variant past its max-age is kept in memory to answer, with
    /// <c>X-Cache: STALE</c>, when the origin fails or times out. A day rides out a long origin outage;
    /// the cost is memory that the byte bound already caps.
    /// </summary>
    public TimeSpan StaleIfError { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// <c>Caching:StaleWhileRevalidate</c>: after max-age, how long an expired variant still answers at once
    /// (<c>X-Cache: STALE</c>) while one background fill refreshes it (RFC 5861), so that a hot key expiring costs one
    /// origin fetch and no request waits for it. A minute covers a hot key between two requests; a key asked for
    /// less often than that waits for its refresh, as it should. Advertised to browsers and CDNs too.
    /// </summary>
    public TimeSpan StaleWhileRevalidate { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <c>Caching:Redis</c>: the region's Redis (a StackExchange.Redis configuration string such as
    /// <c>127.0.0.1:6379</c>). Empty means no L2: the embedded default needs no Redis.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// <c>Caching:RedisCaFile</c>: the deployment CA's certificate (PEM). Set, the edge speaks TLS 1.2/1.3 to Redis and
    /// accepts only a server certificate that chains to this CA and names the host it dialled (the machine's trust store
    /// plays no part). Required for a Redis beyond loopback: the cache holds what the edge serves.
    /// </summary>
    public string? RedisCaFile { get; set; }

    /// <summary>
    /// <c>Caching:RedisUser</c>: the region's ACL user (<c>edge-{region}</c> in the deployed topology), which reaches the
    /// edge's keys alone. Not a secret; its password is.
    /// </summary>
    public string? RedisUser { get; set; }

    /// <summary>
    /// <c>Caching:RedisPassword</c>: the ACL user's password, from the environment (<c>Caching__RedisPassword</c>) or a
    /// secrets store, never a command line; or <c>Caching:RedisPasswordFile</c>, a file of mode 0600 holding it.
    /// </summary>
    public string? RedisPassword { get; set; }

    public string? RedisPasswordFile { get; set; }

    /// <summary>
    /// <c>Caching:RedisBudget</c>: the longest any one Redis call may hold a request. The client would
    /// otherwise queue commands for seconds while disconnected; a slow L2 must cost a miss, not an outage.
    /// </summary>
    public TimeSpan RedisBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// <c>Caching:RedisCooldown</c>: after a Redis call fails or runs over budget, L2 is skipped for this long
    /// before it is tried again, so a dead Redis costs a couple of budgets per cooldown rather than one per request
    /// (the breaker opens when half the calls of the last cooldown, at least two, failed). Zero means no breaker.
    /// </summary>
    public TimeSpan RedisCooldown { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <c>Caching:NotFoundMaxAge</c>: how long a 404 from the origin is remembered by the edge (and may be cached by
    /// browsers and CDNs): a missing original asked for many times costs the origin one request per this period.
    /// 0 remembers nothing and sends no-store.
    /// </summary>
    public TimeSpan NotFoundMaxAge { get; set; } = TimeSpan.FromSeconds(60);
}

internal sealed class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheOptions options)
    {
        var errors = new List<string>();
        if (options.MemoryLimitBytes < 1024 * 1024)
        {
            errors.Add("Caching:MemoryLimitBytes must be at least 1048576 (1 MiB).");
        }

        if (options.MaxAge <= TimeSpan.Zero || options.MaxAge > TimeSpan.FromDays(365))
        {
            errors.Add("Caching:MaxAge must be between 00:00:01 and 365.00:00:00.");
        }

        if (options.StaleIfError < TimeSpan.Zero || options.StaleIfError > TimeSpan.FromDays(30))
        {
            errors.Add("Caching:StaleIfError must be between 00:00:00 and 30.00:00:00.");
        }

        if (options.StaleWhileRevalidate < TimeSpan.Zero || options.StaleWhileRevalidate > TimeSpan.FromDays(1))
        {
            errors.Add("Caching:StaleWhileRevalidate must be between 00:00:00 and 1.00:00:00.");
        }

        // The bounds are Polly's: a timeout of at least 10 ms, a break of at least half a second.
        if (options.RedisBudget < TimeSpan.FromMilliseconds(10) || options.RedisBudget > TimeSpan.FromSeconds(5))
        {
            errors.Add("Caching:RedisBudget must be between 00:00:00.010 and 00:00:05.");
        }

        if (options.RedisCooldown != TimeSpan.Zero && (options.RedisCooldown < TimeSpan.FromMilliseconds(500) || options.RedisCooldown > TimeSpan.FromMinutes(10)))
        {
            errors.Add("Caching:RedisCooldown must be 00:00:00 (no breaker) or between 00:00:00.5 and 00:10:00.");
        }

        if (options.Redis is { } redis && !string.IsNullOrWhiteSpace(redis))
        {
            errors.AddRange(RedisConfiguration.Problems(options));
        }

        if (options.NotFoundMaxAge < TimeSpan.Zero || options.NotFoundMaxAge > TimeSpan.FromDays(1))
        {
            errors.Add("Caching:NotFoundMaxAge must be between 00:00:00 and 1.00:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
