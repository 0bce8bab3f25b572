using System.Net;
using System.Text.RegularExpressions;
using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.Http;

/// <summary>
/// What a memory hit says on the wire, header by header, and its 304: the hit path was made cheaper (values cached,
/// formatted without builders, the log and the span sampled), and none of that may change what clients see.
/// </summary>
public sealed partial class HitResponseHeadersTests
{
    [Fact]
    public async Task MemoryHit_EveryHeader_AsTheContractSays()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("tiny.png", "tiny-2x3.png");
        using var miss = await edge.GetAsync("w:2,f:auto", "tiny.png", "image/avif,image/webp,*/*;q=0.8");
        var missBody = await miss.Content.ReadAsByteArrayAsync();

        using var hit = await edge.GetAsync("w:2,f:auto", "tiny.png", "image/avif,image/webp,*/*;q=0.8");

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(missBody, await hit.Content.ReadAsByteArrayAsync());
        Assert.Equal(miss.Headers.ETag, hit.Headers.ETag);
        Assert.Equal(missBody.Length, hit.Content.Headers.ContentLength);
        Assert.Equal(miss.Content.Headers.ContentType, hit.Content.Headers.ContentType);
        Assert.Equal("HIT-MEMORY", Single(hit, "X-Cache"));
        Assert.Equal("public, max-age=3600, stale-while-revalidate=60, stale-if-error=86400", Single(hit, "Cache-Control"));
        Assert.Equal("Accept", Single(hit, "Vary"));
        Assert.Matches(AgeValue(), Single(hit, "Age"));
        Assert.Matches(HitServerTiming(), Single(hit, "Server-Timing"));
        Assert.Equal("*", Single(hit, "Timing-Allow-Origin"));
        Assert.Equal("*", Single(hit, "Access-Control-Allow-Origin"));
        Assert.Equal("X-Cache, Age, ETag, Server-Timing", Single(hit, "Access-Control-Expose-Headers"));
        Assert.Equal("nosniff", Single(hit, "X-Content-Type-Options"));
        // Nothing more: the response headers of a hit, by name.
        string[] expected =
        [
            "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Age", "Cache-Control", "Date", "ETag", "Server",
            "Server-Timing", "Timing-Allow-Origin", "Vary", "X-Cache", "X-Content-Type-Options",
        ];
        Assert.Equal(expected, hit.Headers.Select(h => h.Key).Order(StringComparer.OrdinalIgnoreCase).ToArray());
    }

    [Fact]
    public async Task MemoryHit_IfNoneMatchItsETag_304WithValidatorsAndNoBody()
    {
        await using var edge = (await EdgeServer.StartAsync()).WithOriginal("tiny.png", "tiny-2x3.png");
        using var miss = await edge.GetAsync("w:2", "tiny.png");
        var etag = miss.Headers.ETag!.ToString();

        using var request = new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:2", "tiny.png")));
        request.Headers.TryAddWithoutValidation("If-None-Match", $"\"other\", W/{etag}");
        using var notModified = await edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, notModified.Headers.ETag!.ToString());
        Assert.Equal("HIT-MEMORY", Single(notModified, "X-Cache"));
        Assert.Equal("public, max-age=3600, stale-while-revalidate=60, stale-if-error=86400", Single(notModified, "Cache-Control"));
        Assert.Matches(AgeValue(), Single(notModified, "Age"));
        Assert.Matches(HitServerTiming(), Single(notModified, "Server-Timing"));
        Assert.Equal("*", Single(notModified, "Access-Control-Allow-Origin"));
    }

    private static string Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : response.Content.Headers.GetValues(name).Single();

    [GeneratedRegex(@"^\d+$")]
    private static partial Regex AgeValue();

    // The lookup's time under cache, and the four stages a hit skipped at zero, as before.
    [GeneratedRegex(@"^cache;dur=\d+(\.\d{1,3})?, fetch;dur=0, decode;dur=0, transform;dur=0, encode;dur=0$")]
    private static partial Regex HitServerTiming();
}
