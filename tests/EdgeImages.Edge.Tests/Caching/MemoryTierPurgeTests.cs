using System.Net;
using System.Net.Http.Json;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// Purges evict from the memory tier whatever it holds, including entries that replaced older ones, and nothing
/// fetched before a purge is kept after it.
/// </summary>
public sealed class MemoryTierPurgeTests
{
    private const string AdminToken = "pppppppppppppppppppppppppppppppppppppppp";

    [Fact]
    public async Task Purge_AfterAnExpiredVariantWasRefreshed_EvictsTheRefreshedCopy()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Caching:MaxAge"] = "00:00:01",
            // The refresh below must be the request's own, not a background one (stale-while-revalidate).
            ["Caching:StaleWhileRevalidate"] = "00:00:00",
            ["Admin:Token"] = AdminToken,
        });
        edge.WithOriginal("a.png", "tiny-2x3.png");
        using var first = await edge.GetAsync("w:2", "a.png");

        // Past its max-age the variant is made again and replaces the stale copy under the same key. Replacing an
        // entry evicts the old one, and that eviction must not take the new entry out of the purge index.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        using var refreshed = await edge.GetAsync("w:2", "a.png");
        using var hit = await edge.GetAsync("w:2", "a.png");
        await Task.Delay(TimeSpan.FromMilliseconds(200)); // eviction callbacks run on the thread pool, after the replace

        using var purge = new HttpRequestMessage(HttpMethod.Post, "/admin/purge")
        {
            Content = JsonContent.Create(new { tenant = EdgeServer.Tenant, path = "a.png" }),
        };
        purge.Headers.Authorization = new("Bearer", AdminToken);
        using var purged = await edge.Client.SendAsync(purge);
        using var after = await edge.GetAsync("w:2", "a.png");

        Assert.Equal("MISS", UrlContractTests.Header(refreshed, "X-Cache"));
        Assert.Equal("HIT-MEMORY", UrlContractTests.Header(hit, "X-Cache"));
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal("MISS", UrlContractTests.Header(after, "X-Cache"));
    }

    [Fact]
    public async Task Purge_WhileAFillIsInFlight_ItsBytesAreNotKept()
    {
        var gated = new GatedStore();
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Admin:Token"] = AdminToken }, services =>
        {
            services.AddSingleton<LocalFolderOriginalStore>();
            services.Replace(ServiceDescriptor.Singleton<IOriginalStore>(provider =>
            {
                gated.Inner = provider.GetRequiredService<LocalFolderOriginalStore>();
                return gated;
            }));
        });
        edge.WithOriginal("a.png", "tiny-2x3.png");

        // A miss fetches the old original and is held before it transforms.
        var early = edge.GetAsync("w:60,f:png", "a.png");
        await gated.FirstFetchDone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The original is replaced and purged while that fill is still running.
        edge.WithOriginal("a.png", "photo-flower-3mp-baseline.jpg");
        using var purge = new HttpRequestMessage(HttpMethod.Post, "/admin/purge")
        {
            Content = JsonContent.Create(new { tenant = EdgeServer.Tenant, path = "a.png" }),
        };
        purge.Headers.Authorization = new("Bearer", AdminToken);
        using var purged = await edge.Client.SendAsync(purge);

        gated.ReleaseFirst.SetResult();
        using var earlyResponse = await early;
        using var later = await edge.GetAsync("w:60,f:png", "a.png");

        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, earlyResponse.StatusCode);
        // The old original is portrait (2×3), the new one landscape. The request that asked before the purge gets the
        // old picture, and it must not be kept: the next request gets the new one.
        Assert.True(IsPortrait(await earlyResponse.Content.ReadAsByteArrayAsync()));
        Assert.Equal("MISS", UrlContractTests.Header(later, "X-Cache"));
        Assert.False(IsPortrait(await later.Content.ReadAsByteArrayAsync()), "the old picture was kept after the purge");
    }

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
