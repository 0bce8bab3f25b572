using System.Net;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Etcd.Purges;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// Purges evict from the memory tier whatever they name, including entries that replaced older ones, and nothing
/// else; nothing fetched before a purge of its original is kept after it, and another tenant's fills are not touched.
/// The purge is applied as the edge applies one from the control plane (the fan-out is tested in
/// tests/EdgeImages.ControlPlane.Tests/Purge).
/// </summary>
public sealed class MemoryTierPurgeTests
{
    private const string OtherTenant = "beta";

    [Fact]
    public async Task Purge_AfterAnExpiredVariantWasRefreshed_EvictsTheRefreshedCopy()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["Caching:MaxAge"] = "00:00:01",
                // The refresh below must be the request's own, not a background one (stale-while-revalidate).
                ["Caching:StaleWhileRevalidate"] = "00:00:00",
            },
            services => services.AddSingleton<TimeProvider>(time));
        edge.WithOriginal("a.png", "tiny-2x3.png");
        using var first = await edge.GetAsync("w:2", "a.png");

        // Past its max-age the variant is made again and replaces the stale copy under the same key. Replacing an
        // entry evicts the old one, and that eviction must not take the new entry out of the purge index.
        time.Advance(TimeSpan.FromSeconds(2));
        using var refreshed = await edge.GetAsync("w:2", "a.png");
        using var hit = await edge.GetAsync("w:2", "a.png");
        await Task.Delay(TimeSpan.FromMilliseconds(200)); // eviction callbacks run on the thread pool, after the replace

        var evicted = await PurgeAsync(edge, PurgeTarget.ForOriginal(EdgeServer.Tenant, "a.png"));
        using var after = await edge.GetAsync("w:2", "a.png");

        Assert.Equal("MISS", UrlContractTests.Header(refreshed, "X-Cache"));
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(hit, "X-Cache"));
        Assert.Equal(1, evicted);
        Assert.Equal("MISS", UrlContractTests.Header(after, "X-Cache"));
    }

    [Fact]
    public async Task Purge_WhileAFillIsInFlight_ItsBytesAreNotKept()
    {
        var gated = new GatedStore();
        await using var edge = await StartGatedAsync(gated);
        edge.WithOriginal("a.png", "tiny-2x3.png");

        // A miss fetches the old original and is held before it transforms.
        var early = edge.GetAsync("w:60,f:png", "a.png");
        await gated.FirstFetchDone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The original is replaced and purged while that fill is still running.
        edge.WithOriginal("a.png", "photo-flower-3mp-baseline.jpg");
        await PurgeAsync(edge, PurgeTarget.ForOriginal(EdgeServer.Tenant, "a.png"));

        gated.ReleaseFirst.SetResult();
        using var earlyResponse = await early;
        using var later = await edge.GetAsync("w:60,f:png", "a.png");

        Assert.Equal(HttpStatusCode.OK, earlyResponse.StatusCode);
        // The old original is portrait (2×3), the new one landscape. The request that asked before the purge gets the
        // old picture, and it must not be kept: the next request gets the new one.
        Assert.True(IsPortrait(await earlyResponse.Content.ReadAsByteArrayAsync()));
        Assert.Equal("MISS", UrlContractTests.Header(later, "X-Cache"));
        Assert.False(IsPortrait(await later.Content.ReadAsByteArrayAsync()), "the old picture was kept after the purge");
    }

    [Fact]
    public async Task PurgeOfOneTenant_WhileAnotherTenantsFillIsInFlight_ThatFillIsKept()
    {
        var gated = new GatedStore();
        await using var edge = await StartGatedAsync(gated);
        WithOriginal(edge, OtherTenant, "a.png", "tiny-2x3.png");
        edge.WithOriginal("a.png", "tiny-2x3.png");

        var early = GetAsync(edge, OtherTenant, "w:60,f:png", "a.png");
        await gated.FirstFetchDone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await PurgeAsync(edge, PurgeTarget.ForTenant(EdgeServer.Tenant));
        gated.ReleaseFirst.SetResult();
        using var earlyResponse = await early;
        using var later = await GetAsync(edge, OtherTenant, "w:60,f:png", "a.png");

        Assert.Equal("MISS", UrlContractTests.Header(earlyResponse, "X-Cache"));
        // The fence is per tag: tenant acme's purge says nothing about tenant beta's bytes.
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(later, "X-Cache"));
    }

    [Fact]
    public async Task Purge_PercentEncodedPath_EvictsThatOriginalsVariants()
    {
        await using var edge = await EdgeServer.StartAsync();
        edge.WithOriginal(Path.Combine("a b", "café.png"), "tiny-2x3.png");
        edge.WithOriginal(Path.Combine("a b", "other.png"), "tiny-2x3.png");
        foreach (var path in new[] { "a%20b/caf%C3%A9.png", "a%20b/other.png" })
        {
            using var warm = await edge.GetAsync("w:2", path);
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // As the admin API receives it: written as in the image URL.
        Assert.Null(PurgeTarget.TryParse(EdgeServer.Tenant, "a%20b/caf%C3%A9.png", null, out var target));
        var evicted = await PurgeAsync(edge, target!);
        using var purged = await edge.GetAsync("w:2", "a%20b/caf%C3%A9.png");
        using var kept = await edge.GetAsync("w:2", "a%20b/other.png");

        Assert.Equal(1, evicted);
        Assert.Equal("MISS", UrlContractTests.Header(purged, "X-Cache"));
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(kept, "X-Cache"));
    }

    [Fact]
    public async Task PurgeOfAFolderDeeperThanTheTags_EvictsAllOfIt_NothingOutside()
    {
        // Ten folders: deeper than the eight folder tags a path carries.
        const string Ancestor = "a/b/c/d/e/f/g/h/";
        string[] inside = [Ancestor + "i/j/x.png", Ancestor + "i/z.png"];
        string[] outside = [Ancestor + "k/y.png", Ancestor + "top.png", "a/b/c/d/e/f/g/h2/i/x.png"];
        await using var edge = await EdgeServer.StartAsync();
        foreach (var path in inside.Concat(outside))
        {
            edge.WithOriginal(path, "tiny-2x3.png");
            using var warm = await edge.GetAsync("w:2", path);
            Assert.Equal("MISS", UrlContractTests.Header(warm, "X-Cache"));
        }

        var evicted = await PurgeAsync(edge, PurgeTarget.ForFolder(EdgeServer.Tenant, Ancestor + "i/"));

        Assert.Equal(inside.Length, evicted);
        foreach (var path in inside)
        {
            using var after = await edge.GetAsync("w:2", path);
            Assert.Equal("MISS", UrlContractTests.Header(after, "X-Cache"));
        }

        foreach (var path in outside)
        {
            using var after = await edge.GetAsync("w:2", path);
            Assert.Equal("HIT-MEMORY", UrlContractTests.Header(after, "X-Cache"));
        }
    }

    private static Task<int> PurgeAsync(EdgeServer edge, PurgeTarget target) =>
        edge.Services.GetRequiredService<IVariantCache>().PurgeAsync(target, CancellationToken.None);

    private static Task<EdgeServer> StartGatedAsync(GatedStore gated) =>
        EdgeServer.StartAsync(services: services =>
        {
            services.AddSingleton<LocalFolderOriginalStore>();
            services.Replace(ServiceDescriptor.Singleton<IOriginalStore>(provider =>
            {
                gated.Inner = provider.GetRequiredService<LocalFolderOriginalStore>();
                return gated;
            }));
        });

    private static void WithOriginal(EdgeServer edge, string tenant, string path, string testImage)
    {
        var file = Path.Combine(edge.OriginalsFolder, tenant, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, TestImages.Read(testImage));
    }

    private static Task<HttpResponseMessage> GetAsync(EdgeServer edge, string tenant, string options, string path) =>
        edge.Client.GetAsync(edge.RawUri(edge.Url(options, path, tenant, tenant == EdgeServer.Tenant ? null : edge.PlatformKey)));

    private static bool IsPortrait(byte[] image)
    {
        var (width, height) = Images.SizeOf(image);
        return height > width;
    }

    /// <summary>Holds the first fetch, after it has read the original, until the test lets it go.</summary>
    private sealed class GatedStore : IOriginalStore
    {
        private int _fetches;

        public LocalFolderOriginalStore Inner { get; set; } = null!;

        public TaskCompletionSource FirstFetchDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseFirst { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
        {
            var original = await Inner.FetchAsync(key, cancellationToken);
            if (Interlocked.Increment(ref _fetches) == 1)
            {
                FirstFetchDone.SetResult();
                await ReleaseFirst.Task.WaitAsync(cancellationToken);
            }

            return original;
        }
    }
}
