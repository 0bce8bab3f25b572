using EdgeImages.Edge.Caching;
using StackExchange.Redis;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// How far the region's Redis has been purged: the revision of the purge log that its edges have applied to it, kept
/// in that Redis itself, next to the variants it describes. An edge that starts reads it and replays every purge
/// committed since, so that a purge issued while every edge of the region was down still reaches the region's Redis.
/// The mark only ever rises (a Lua max), whichever edge writes it and in whatever order.
/// </summary>
internal sealed class RegionPurgeMark(RedisConnection? redis)
{
    /// <summary>Outside any generation: it describes the Redis, not one generation of its keys.</summary>
    internal const string Key = "edge:purged-through";

    private const string RaiseScript = """
        local held = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tonumber(ARGV[1]) > held then
          redis.call('SET', KEYS[1], ARGV[1])
        end
        return 1
        """;

    /// <summary>The region has a Redis of its own to keep purged.</summary>
    public bool HasRedis => redis is not null;

    /// <summary>The revision the region's Redis was purged through; 0 when no edge has recorded one yet.</summary>
    /// <exception cref="RedisException">Redis could not be asked: what it holds cannot be proved clean.</exception>
    public async Task<long> ReadAsync()
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        var value = await database.StringGetAsync(Key).ConfigureAwait(false);
        return value.HasValue && long.TryParse(value.ToString(), out var revision) && revision > 0 ? revision : 0;
    }

    /// <summary>Raises the mark to <paramref name="revision"/> once every purge up to it was applied to the region's Redis.</summary>
    public async Task RecordAsync(long revision)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        await database.ScriptEvaluateAsync(RaiseScript, [Key], [revision]).ConfigureAwait(false);
    }

    private async Task<IDatabase> DatabaseAsync() =>
        (await (redis ?? throw new InvalidOperationException("The region has no Redis.")).Multiplexer.ConfigureAwait(false)).GetDatabase();
}
