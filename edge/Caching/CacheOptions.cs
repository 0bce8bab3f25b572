using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>Configuration section <c>Caching</c>.</summary>
internal sealed class CacheOptions : IValidatableObject
{
    public const string SectionName = "Caching";

    /// <summary>
    /// <c>Caching:MemoryLimitBytes</c>: the memory tier's budget for response bodies. 256 MiB holds some
    /// ten thousand typical 25 KB variants while leaving room for decode buffers on a small node.
    /// </summary>
    [SettingRange(1024d * 1024, long.MaxValue, ErrorMessage = "Caching:MemoryLimitBytes must be at least 1048576 (1 MiB).")]
    public long MemoryLimitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// <c>Caching:MaxAge</c>: how long an unversioned variant is fresh, here and in browsers
    /// (<c>Cache-Control: max-age</c>). An hour bounds how long a replaced original can linger
    /// without a purge, at a cost of one revalidation an hour per variant.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "365.00:00:00", ErrorMessage = "Caching:MaxAge must be between {1} and {2}.")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// <c>Caching:StaleIfError</c>: how long a variant past its max-age is kept in memory to answer, with
    /// <c>X-Cache: STALE</c>, when the origin fails or times out. A day rides out a long origin outage;
    /// the cost is memory that the byte bound already caps.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "30.00:00:00", ErrorMessage = "Caching:StaleIfError must be between {1} and {2}.")]
    public TimeSpan StaleIfError { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// <c>Caching:StaleWhileRevalidate</c>: after max-age, how long an expired variant still answers at once
    /// (<c>X-Cache: STALE</c>) while one background fill refreshes it (RFC 5861), so that a hot key expiring costs one
    /// origin fetch and no request waits for it. A minute covers a hot key between two requests; a key asked for
    /// less often than that waits for its refresh, as it should. Advertised to browsers and CDNs too.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Caching:StaleWhileRevalidate must be between {1} and {2}.")]
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
    // The bounds are Polly's: a timeout of at least 10 ms.
    [SettingRange(typeof(TimeSpan), "00:00:00.010", "00:00:05", ErrorMessage = "Caching:RedisBudget must be between {1} and {2}.")]
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
    [SettingRange(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Caching:NotFoundMaxAge must be between {1} and {2}.")]
    public TimeSpan NotFoundMaxAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The rules that are no plain range: the breaker's off switch, and the Redis connection's own rules.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Polly's least break is half a second; zero is the setting's own meaning (no breaker).
        if (RedisCooldown != TimeSpan.Zero && (RedisCooldown < TimeSpan.FromMilliseconds(500) || RedisCooldown > TimeSpan.FromMinutes(10)))
        {
            yield return new ValidationResult("Caching:RedisCooldown must be 00:00:00 (no breaker) or between 00:00:00.5 and 00:10:00.", [nameof(RedisCooldown)]);
        }

        if (!string.IsNullOrWhiteSpace(Redis))
        {
            foreach (var problem in RedisConfiguration.Problems(this))
            {
                yield return new ValidationResult(problem, [nameof(Redis)]);
            }
        }
    }
}

/// <summary>The ranges from the attributes, source-generated; <see cref="CacheOptions.Validate"/> for the rest.</summary>
[OptionsValidator]
internal sealed partial class CacheOptionsValidator : IValidateOptions<CacheOptions>;
