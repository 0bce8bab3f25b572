using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Wraps the Redis cache so that no call holds a request longer than <see cref="CacheOptions.RedisBudget"/>.
/// A call that fails or runs over budget reads as a miss (writes are dropped) and opens a breaker for
/// <see cref="CacheOptions.RedisCooldown"/>, during which L2 is not asked at all; the first call after the
/// cooldown probes Redis again, so the tier comes back by itself.
/// </summary>
internal sealed partial class BudgetedDistributedCache(
    IBufferDistributedCache inner,
    IOptions<CacheOptions> options,
    TimeProvider timeProvider,
    ILogger<BudgetedDistributedCache> logger) : IBufferDistributedCache
{
    private readonly TimeSpan _budget = options.Value.RedisBudget;
    private readonly TimeSpan _cooldown = options.Value.RedisCooldown;
    private long _closedAfterTimestamp;

    /// <summary>Whether L2 is being asked right now (false while the breaker is open).</summary>
    public bool IsAvailable => timeProvider.GetTimestamp() >= Interlocked.Read(ref _closedAfterTimestamp);

    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        // The caller's writer is pooled: an abandoned call must never write into it after we returned,
        // so Redis writes into a private buffer that is copied over only when the call made its budget.
        var buffer = new ArrayBufferWriter<byte>();
        var found = await GuardAsync(async budget => await inner.TryGetAsync(key, buffer, budget).ConfigureAwait(false), token).ConfigureAwait(false);
        if (found)
        {
            destination.Write(buffer.WrittenSpan);
        }

        return found;
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        await GuardAsync(async budget => await inner.GetAsync(key, budget).ConfigureAwait(false), token).ConfigureAwait(false);

    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        await GuardAsync(async budget => { await inner.SetAsync(key, value, options, budget).ConfigureAwait(false); return true; }, token).ConfigureAwait(false);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        GuardAsync(async budget => { await inner.SetAsync(key, value, options, budget).ConfigureAwait(false); return true; }, token);

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        GuardAsync(async budget => { await inner.RefreshAsync(key, budget).ConfigureAwait(false); return true; }, token);

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        GuardAsync(async budget => { await inner.RemoveAsync(key, budget).ConfigureAwait(false); return true; }, token);

    // HybridCache only uses the asynchronous members; the synchronous ones keep the same budget.
    public bool TryGet(string key, IBufferWriter<byte> destination) => TryGetAsync(key, destination).AsTask().GetAwaiter().GetResult();

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).AsTask().GetAwaiter().GetResult();

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    private async Task<T?> GuardAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken token)
    {
        if (!IsAvailable)
        {
            return default;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(token);
        budget.CancelAfter(_budget);
        try
        {
            // WaitAsync bounds the wait even where the client ignores the token (it mostly does).
            return await call(budget.Token).WaitAsync(_budget, timeProvider, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure of the cache is a miss, never an error page.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Trip(exception);
            return default;
        }
    }

    private void Trip(Exception exception)
    {
        var reopen = timeProvider.GetTimestamp() + (long)(_cooldown.TotalSeconds * timeProvider.TimestampFrequency);
        var previous = Interlocked.Exchange(ref _closedAfterTimestamp, reopen);
        if (timeProvider.GetTimestamp() >= previous)
        {
            Log.Tripped(logger, exception.GetType().Name, _cooldown.TotalMilliseconds);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Redis call failed or exceeded its budget ({Reason}); skipping L2 for {CooldownMs} ms.")]
        public static partial void Tripped(ILogger logger, string reason, double cooldownMs);
    }
}
