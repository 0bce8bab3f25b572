using System.Net;
using System.Net.Http.Json;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>Purges evict from the memory tier whatever it holds, including entries that replaced older ones.</summary>
public sealed class MemoryTierPurgeTests
{
    private const string AdminToken = "pppppppppppppppppppppppppppppppppppppppp";

    [Fact]
    public async Task Purge_AfterAnExpiredVariantWasRefreshed_EvictsTheRefreshedCopy()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Caching:MaxAge"] = "00:00:01",
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
}
