using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.Http;

/// <summary>
/// <c>OPTIONS</c> on an image URL: a browser sends it as a CORS preflight before a page's <c>fetch</c> that carries a
/// header beyond the safelisted ones (<c>If-None-Match</c>, <c>traceparent</c>); without a 2xx the fetch never happens.
/// </summary>
public sealed class OptionsRequestTests
{
    [Fact]
    public async Task CorsPreflight_AnyOriginAndHeader_204AllowingGetAndHead_NothingFetched()
    {
        // No original of that name exists: a preflight is answered without a lookup or a fetch.
        await using var edge = await EdgeServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Options, edge.RawUri(edge.Url("w:200", "photos/none.jpg")));
        request.Headers.TryAddWithoutValidation("Origin", "https://shop.example");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "GET");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "if-none-match, traceparent");

        using var response = await edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        Assert.Equal("GET, HEAD", Single(response, "Access-Control-Allow-Methods"));
        Assert.Equal("*", Single(response, "Access-Control-Allow-Headers"));
        Assert.Equal("86400", Single(response, "Access-Control-Max-Age"));
        Assert.Equal("GET, HEAD", Single(response, "Allow"));
        Assert.Equal("MISS", Single(response, "X-Cache"));
        Assert.StartsWith("cache;dur=0", Single(response, "Server-Timing"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainOptions_NoPreflightHeaders_204WithAllow()
    {
        await using var edge = await EdgeServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Options, edge.RawUri(edge.Url("w:200", "photos/none.jpg")));

        using var response = await edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("GET, HEAD", Single(response, "Allow"));
    }

    private static string Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single()
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content)
        : throw new Xunit.Sdk.XunitException($"No {name}; headers: {response.Headers} {response.Content.Headers}");
}
