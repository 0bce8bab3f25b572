using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;

namespace EdgeImages.Edge.Tests.Http;

/// <summary>
/// The contract's "every response says where it came from": problem responses carry <c>X-Cache</c> and a
/// <c>Server-Timing</c> of the same five metrics as an image, over HTTP to a real edge.
/// </summary>
public sealed partial class ProblemResponseHeadersTests : IAsyncLifetime
{
    private EdgeServer _edge = null!;

    public async Task InitializeAsync()
    {
        _edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Transforms:MaxSourceBytes"] = "2000000",
        });
        _edge.WithOriginal("photos/cat.jpg", "photo-flower-3mp-baseline.jpg")
             .WithOriginal("too-many-bytes.jpg", "photo-landscape-15mp.jpg")
             .WithOriginal("text.png", "this is not an image, whatever its name says"u8.ToArray())
             .WithOriginal("panorama.jpg", "panorama-8000x1000.jpg");
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    [Theory]
    [InlineData("w:0", "photos/cat.jpg", HttpStatusCode.BadRequest)]
    [InlineData("w:50", "photos/missing.jpg", HttpStatusCode.NotFound)]
    [InlineData("-", "too-many-bytes.jpg", HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("w:50", "text.png", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("h:2100,up:1,f:webp", "panorama.jpg", HttpStatusCode.BadRequest)]
    public async Task ProblemFromTheRequestPath_CarriesXCacheAndServerTiming(string options, string path, HttpStatusCode status)
    {
        using var response = await _edge.GetAsync(options, path);

        Assert.Equal(status, response.StatusCode);
        AssertProvenance(response, "MISS");
    }

    [Fact]
    public async Task OutputWiderThanTheFormatHolds_400OverHttp_NamingSizeAndLimit()
    {
        using var response = await _edge.GetAsync("h:2100,up:1,f:webp", "panorama.jpg");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("16800x2100", detail, StringComparison.Ordinal);
        Assert.Contains("16383", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_CarriesXCacheAndServerTiming()
    {
        using var response = await _edge.Client.GetAsync("/k1.AAAAAAAAAAAAAAAAAAAAAA/w:50/acme/photos/cat.jpg");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        AssertProvenance(response, "MISS");
    }

    [Fact]
    public async Task MethodNotAllowed_CarriesXCacheAndServerTiming()
    {
        using var response = await _edge.Client.PostAsync(_edge.Url("w:50", "photos/cat.jpg"), new ByteArrayContent([]));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        AssertProvenance(response, "MISS");
    }

    [Fact]
    public async Task TooManyRequests_CarriesXCacheAndServerTiming()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:PerClientPerSecond"] = "1",
            ["RateLimiting:PerClientBurst"] = "1",
        });
        edge.WithOriginal("a.png", "tiny-2x3.png");

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8 && limited is null; i++)
        {
            var response = await edge.GetAsync("w:2", "a.png");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            AssertProvenance(limited, "MISS");
        }
    }

    [Fact]
    public async Task Overloaded_CarriesXCacheAndServerTiming()
    {
        // Timers as short as the deadline fire at once, so the transform is shed however fast the machine is.
        await using var edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Transforms:Deadline"] = "00:00:00.001" },
            services => services.AddSingleton<TimeProvider>(new ExpiredShortTimersTimeProvider(TimeSpan.FromMilliseconds(1))));
        edge.WithOriginal("big.jpg", "photo-landscape-15mp.jpg");

        using var response = await edge.GetAsync("w:300,blur:20", "big.jpg");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        AssertProvenance(response, "MISS");
    }

    private static void AssertProvenance(HttpResponseMessage response, string xCache)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(xCache, UrlContractTests.Header(response, "X-Cache"));
        var timing = UrlContractTests.Header(response, "Server-Timing");
        Assert.Matches(ServerTimingFormat(), timing);
        Assert.Equal("*", UrlContractTests.Header(response, "Access-Control-Allow-Origin"));
    }

    // The success path's format: the lookup, then the four stages, each in milliseconds.
    [GeneratedRegex(@"^cache;dur=[0-9.]+, fetch;dur=[0-9.]+, decode;dur=[0-9.]+, transform;dur=[0-9.]+, encode;dur=[0-9.]+$")]
    private static partial Regex ServerTimingFormat();
}
