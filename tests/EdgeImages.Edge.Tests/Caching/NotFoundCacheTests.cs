using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Originals;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>The fetch that concurrent misses of one original share, and what each of them may dispose.</summary>
public sealed class NotFoundCacheTests
{
    [Fact]
    public async Task SharedFetch_OfAPooledBody_EachSharerGetsAnUnpooledCopy_PoolBufferReturnedOnce()
    {
        var cache = new NotFoundCache(Options.Create(new CacheOptions()), TimeProvider.System);
        var owner = new CountingOwner();
        var release = new TaskCompletionSource();
        var fetches = 0;
        async Task<Original> FetchAsync()
        {
            Interlocked.Increment(ref fetches);
            await release.Task;
            return new Original(new byte[] { 1, 2, 3, 0, 0 }.AsMemory(0, 3), "image/png", "v1") { Owner = owner };
        }

        var first = cache.FetchAsync(new OriginalKey("acme", "a.png", null), FetchAsync, CancellationToken.None);
        var second = cache.FetchAsync(new OriginalKey("acme", "a.png", null), FetchAsync, CancellationToken.None);
        release.SetResult();
        using var a = await first;
        using var b = await second;

        Assert.Equal(1, fetches);
        Assert.Null(a.Owner);
        Assert.Null(b.Owner);
        Assert.Equal([1, 2, 3], a.Content.ToArray());
        Assert.Equal(1, owner.Disposed);
    }

    private sealed class CountingOwner : IDisposable
    {
        public int Disposed { get; private set; }

        public void Dispose() => Disposed++;
    }
}
