using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using Polly;
using Polly.Registry;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// Wraps the Redis cache so that no call holds a request longer than <see cref="CacheOptions.RedisBudget"/>. Budget and
/// breaker are <see cref="RedisPipeline"/>; here every failure of it, an open breaker included, reads as a miss (writes
/// are dropped): a slow or dead Redis costs a miss, never an error page.
/// </summary>
internal sealed class BudgetedDistributedCache(IBufferDistributedCache inner, ResiliencePipelineProvider<string> pipelines) : IBufferDistributedCache
{
    private readonly ResiliencePipeline _pipeline = pipelines.GetPipeline(RedisPipeline.Key);

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
        try
        {
            // WaitAsync bounds the wait even where the client ignores the token (it mostly does): Polly's timeout
            // cancels the token, and only a call that gives up on it can be timed out.
            return await _pipeline.ExecuteAsync(
                static async (call, budget) => await call(budget).WaitAsync(budget).ConfigureAwait(false),
                call,
                token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure of the cache (the open breaker included) is a miss, never an error page.
        catch (Exception)
#pragma warning restore CA1031
        {
            return default;
        }
    }
}
