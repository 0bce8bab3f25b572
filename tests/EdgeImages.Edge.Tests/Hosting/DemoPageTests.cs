using System.Net;
using System.Text.RegularExpressions;
using EdgeImages.Edge.Hosting;
using EdgeImages.Edge.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EdgeImages.Edge.Tests.Hosting;

/// <summary>The quick start's page: the Development defaults, the shipped samples, and every image on it loading.</summary>
public sealed partial class DemoPageTests
{
    [Fact]
    public async Task DemoPage_OnEmbeddedDefault_EveryImageLoads()
    {
        var builder = EdgeApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Development", "--contentRoot", Path.Combine(TestImages.RepositoryRoot, "edge")]);
        await using var app = EdgeApplication.Build(builder);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        var html = await client.GetStringAsync("/");
        var sources = ImageSources().Matches(html).Select(match => WebUtility.HtmlDecode(match.Groups["url"].Value)).Distinct().ToList();

        Assert.True(sources.Count >= 40, $"only {sources.Count} image URLs on the page");
        Assert.Contains("srcset=", html, StringComparison.Ordinal);
        // The 1.1 row: AVIF, and a placeholder from this edge's own f:json, alone and under its image.
        Assert.Contains("f:avif", html, StringComparison.Ordinal);
        Assert.Contains("style=\"background-image:url(data:image/webp;base64,", html, StringComparison.Ordinal);
        Assert.Contains("class=\"placeholder\"", html, StringComparison.Ordinal);
        foreach (var source in sources)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, source);
            request.Headers.TryAddWithoutValidation("Accept", "image/avif,image/webp,*/*");
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{source} answered {(int)response.StatusCode}");
            Assert.StartsWith("image/", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        }

        await app.StopAsync();
    }

    [Fact]
    public async Task DemoPage_ActiveKeyNotBoundToDemoTenant_SaysWhichKeyAndTenant_Not500()
    {
        // The test edge's active key k1 signs for acme alone.
        await using var edge = await EdgeServer.StartAsync();

        using var response = await edge.Client.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<code>k1</code> is not bound to tenant <code>demo</code>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoPage_OutsideDevelopment_NotServed()
    {
        // A production edge whose active key could sign the demo: the page is a quick-start aid, not part of the contract.
        var builder = EdgeApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Production", "--hostBuilder:reloadConfigOnChange=false"], new Dictionary<string, string?>
        {
            ["Signing:Keys:mine"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Signing:KeyTenants:mine"] = "demo",
            ["Signing:ActiveKey"] = "mine",
            ["Originals:Path"] = Path.GetTempPath(),
        });
        await using var app = EdgeApplication.Build(builder);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        using var response = await client.GetAsync("/");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await app.StopAsync();
    }

    // src="..." and every URL of srcset="url 400w, url 640w".
    [GeneratedRegex("""(?:src="|srcset="|\dw, )(?<url>/[^"\s]+)""")]
    private static partial Regex ImageSources();
}
