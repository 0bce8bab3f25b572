using EdgeImages.Testing;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeImages.Origin.Tests.Infrastructure;

namespace EdgeImages.Origin.Tests.Api;

/// <summary>Bodies that are too large or not images are refused before anything is stored.</summary>
public sealed class UploadLimitsTests(OriginFixture fixture) : IClassFixture<OriginFixture>, IAsyncLifetime
{
    private const int Limit = 64 * 1024;
    private OriginServer _small = null!;

    public async Task InitializeAsync() =>
        _small = await OriginServer.StartAsync(fixture.Postgres.Logins, new Dictionary<string, string?>
        {
            ["Origin:MaxUploadBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Origin:MemoryBufferBytes"] = "4096",
        });

    public async Task DisposeAsync() => await _small.DisposeAsync();

    [Fact]
    public async Task Put_ContentLengthOverLimit_Returns413AndStoresNothing()
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        using var response = await _small.PutAsync(tenant, "big.jpg", new byte[Limit + 1], key);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        await AssertNothingStoredAsync(tenant, key);
    }

    [Fact]
    public async Task Put_ChunkedBodyOverLimit_Returns413AndStoresNothing()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var image = TestImages.Jpeg;
        var body = image.Concat(new byte[Limit]).ToArray(); // a valid header, then too much
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/{tenant}/big.jpg") { Content = new ByteArrayContent(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.TransferEncodingChunked = true;

        using var response = await _small.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync(tenant, key);
    }

    [Fact]
    public async Task Put_ChunkedBodyUnderLimitSpilledToDisk_IsStored()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var image = TestImages.Read("gif-static.gif");
        Assert.InRange(image.Length, 4097, Limit); // over the memory buffer, under the limit
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/{tenant}/ok.gif") { Content = new ByteArrayContent(image) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.TransferEncodingChunked = true;

        using var response = await _small.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var read = await _small.EdgeGetAsync($"/v1/{tenant}/ok.gif");
        Assert.Equal(image, await read.Content.ReadAsByteArrayAsync());
    }

    public static TheoryData<string, byte[]> NotImages => new()
    {
        { "random bytes", RandomBytes() },
        { "text", Encoding.UTF8.GetBytes("<html><body>not an image</body></html>") },
        { "empty", [] },
        { "truncated PNG header", TestImages.Png[..20] },
        { "truncated JPEG header", TestImages.Jpeg[..12] },
        { "SVG", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>") },
    };

    [Theory]
    [MemberData(nameof(NotImages))]
    public async Task Put_NotADecodableImage_Returns415AndStoresNothing(string what, byte[] body)
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        using var response = await _small.PutAsync(tenant, "x.jpg", body, key);

        Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{what}: {(int)response.StatusCode}");
        await AssertNothingStoredAsync(tenant, key);
    }

    [Fact]
    public async Task Put_HeaderDeclaringAbsurdSize_Returns415()
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        using var response = await _small.PutAsync(tenant, "bomb.png", HostileImages.PngDeclaring(60_000, 60_000), key);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("absurd", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNothingStoredAsync(tenant, key);
    }

    private async Task AssertNothingStoredAsync(string tenant, string key)
    {
        using var list = await _small.SendAsync(HttpMethod.Get, $"/v1/{tenant}", key);
        Assert.Equal(0, (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength());
    }

    private static byte[] RandomBytes()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
