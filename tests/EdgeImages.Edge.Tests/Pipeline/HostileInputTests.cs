using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Pipeline;

/// <summary>Hostile originals each get their 4xx, and the edge keeps serving afterwards.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private EdgeServer _edge = null!;

    public async Task InitializeAsync()
    {
        _edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Transforms:MaxSourceBytes"] = "2000000",
        });
        var photo = TestImages.Read("photo-flower-3mp-baseline.jpg");
        var png = TestImages.Read("png-interlaced-photo.png");
        var random = new byte[64 * 1024];
        new Random(42).NextBytes(random);
        _edge.WithOriginal("good.jpg", photo)
             .WithOriginal("zero.jpg", [])
             .WithOriginal("random.jpg", random)
             .WithOriginal("text.png", "this is not an image, whatever its name says"u8.ToArray())
             .WithOriginal("truncated-header.jpg", photo[..200])
             .WithOriginal("truncated-header.png", png[..40])
             .WithOriginal("bomb.png", HostileImages.PngDeclaring(50_000, 50_000))
             .WithOriginal("too-many-bytes.jpg", TestImages.Read("photo-landscape-15mp.jpg"));
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    [Theory]
    [InlineData("zero.jpg", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("random.jpg", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("text.png", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("truncated-header.jpg", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("truncated-header.png", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("bomb.png", HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("too-many-bytes.jpg", HttpStatusCode.RequestEntityTooLarge)]
    public async Task HostileOriginal_Returns4xx_AndEdgeKeepsServing(string file, HttpStatusCode expected)
    {
        using var hostile = await _edge.GetAsync("w:100", file);
        using var afterwards = await _edge.GetAsync("w:64", "good.jpg");

        await UrlContractTests.AssertProblemAsync(hostile, expected);
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Fact]
    public async Task TruncatedScan_ServesWhatDecodedOrRefuses_NeverFails5xx()
    {
        // Cut in the middle of the entropy-coded data: a partial image, not a broken header.
        var photo = TestImages.Read("photo-flower-3mp-baseline.jpg");
        _edge.WithOriginal("truncated-scan.jpg", photo[..(photo.Length / 2)]);

        using var response = await _edge.GetAsync("w:100", "truncated-scan.jpg");

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.UnsupportedMediaType, $"got {response.StatusCode}");
    }

    [Fact]
    public async Task Bomb_PassThrough_IsServedAsStoredBytes()
    {
        // '-' never decodes, so a bomb costs nothing to pass through; only the byte limit applies.
        using var response = await _edge.GetAsync("-", "bomb.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TooManyBytes_PassThrough_Returns413()
    {
        using var response = await _edge.GetAsync("-", "too-many-bytes.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }
}
