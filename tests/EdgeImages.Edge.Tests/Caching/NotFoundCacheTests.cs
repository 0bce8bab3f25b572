using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Originals;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// The fetch that concurrent misses of one original share: one request, and the original (its pooled buffer) disposed
/// once, after the last sharer is done with it.
/// </summary>
public sealed class NotFoundCacheTests
{
    private static readonly OriginalKey Key = new("acme", "a.png", null);

    [Fact]
    public async Task SharedFetch_EachSharerReadsTheOneBuffer_DisposedOnceAfterTheLastSharer()
    {
        var origin = new GatedOrigin();
        var cache = NewCache();

        var first = cache.FetchAsync(Key, origin.FetchAsync, CancellationToken.None);
        var second = cache.FetchAsync(Key, origin.FetchAsync, CancellationToken.None);
        origin.Release();
        var a = await first;
        var b = await second;

        Assert.Equal(1, origin.Fetches);
        Assert.Equal([1, 2, 3], a.Content.ToArray());
        Assert.True(a.Content.Span == b.Content.Span, "both sharers read the fetched buffer, not copies");
        a.Dispose();
        a.Dispose();
        Assert.Equal(0, origin.Owners[0].Disposed);
        b.Dispose();
        Assert.Equal(1, origin.Owners[0].Disposed);
    }

    [Fact]
    public async Task SharerThatStopsWaiting_DoesNotDisposeWhatAnotherStillHolds()
    {
        var origin = new GatedOrigin();
        var cache = NewCache();
        using var impatient = new CancellationTokenSource();

        var leaving = cache.FetchAsync(Key, origin.FetchAsync, impatient.Token);
        var staying = cache.FetchAsync(Key, origin.FetchAsync, CancellationToken.None);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        origin.Release();
        var original = await staying;

        Assert.Equal(1, origin.Fetches);
        Assert.Equal(0, origin.Owners[0].Disposed);
        original.Dispose();
        Assert.Equal(1, origin.Owners[0].Disposed);
    }

    [Fact]
    public async Task EverySharerStopsWaiting_OriginalDisposedAsItArrives_TheNextCallerFetchesAfresh()
    {
        var origin = new GatedOrigin();
        var cache = NewCache();
        using var impatient = new CancellationTokenSource();

        var abandoned = cache.FetchAsync(Key, origin.FetchAsync, impatient.Token);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        // The abandoned fetch is still in flight, but its original is no one's to share any more.
        var next = cache.FetchAsync(Key, origin.FetchAsync, CancellationToken.None);
        origin.Release();
        using var original = await next;

        Assert.Equal(2, origin.Fetches);
        await origin.Owners[0].WhenDisposed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, origin.Owners[0].Disposed);
        Assert.Equal(0, origin.Owners[1].Disposed);
    }

    private static NotFoundCache NewCache() => new(Options.Create(new CacheOptions()), TimeProvider.System);

    /// <summary>An origin whose fetches all wait for <see cref="Release"/>, each answering a pooled-like original.</summary>
    private sealed class GatedOrigin
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _fetches;

        public List<CountingOwner> Owners { get; } = [];

        public int Fetches => Volatile.Read(ref _fetches);

        public void Release() => _released.SetResult();

        public async Task<Original> FetchAsync()
        {
            Interlocked.Increment(ref _fetches);
            var owner = new CountingOwner();
            lock (Owners)
            {
                Owners.Add(owner);
            }

            await _released.Task;
            return new Original(new byte[] { 1, 2, 3, 0, 0 }.AsMemory(0, 3), "image/png", "v1") { Owner = owner };
        }
    }

    private sealed class CountingOwner : IDisposable
    {
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public int Disposed => Volatile.Read(ref _count);

        public Task WhenDisposed => _disposed.Task;

        public void Dispose()
        {
            Interlocked.Increment(ref _count);
            _disposed.TrySetResult();
        }
    }
}
