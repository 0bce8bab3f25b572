using System.Collections.Concurrent;
using System.Net;
using EdgeImages.Sdk.AspNetCore;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Sdk.Tests.AspNetCore;

/// <summary>
/// <c>edge-placeholder</c> and <c>edge-measure</c>: the tag helper asks a real Kestrel server on loopback, answering
/// <c>f:json</c> as the edge does (or failing as an edge can), and renders with or without what it learnt.
/// </summary>
public sealed class EdgeImageTagHelperInfoTests : IAsyncLifetime
{
    private const string SecretHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private const string Placeholder = "data:image/webp;base64,UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA";
    private static readonly SigningKeyRing Ring = new([new SigningKey("k1", HexSecret.Parse(SecretHex), KeyTenants.Of("acme"))]);

    private readonly ConcurrentQueue<string> _asked = new();
    private WebApplication _edge = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _edge = builder.Build();
        _edge.Run(async context =>
        {
            var path = context.Request.Path.Value!;
            _asked.Enqueue(path);
            var inspection = UrlInspector.Inspect(path, Ring, DateTimeOffset.UnixEpoch);
            if (!inspection.IsAccepted || inspection.Url!.Options.Format != ImageFormat.Json)
            {
                context.Response.StatusCode = 403;
                return;
            }

            switch (inspection.Url.Path)
            {
                case "slow.jpg":
                    // Never answers: the client's timeout must end the wait.
                    await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
                    break;
                case "broken.jpg":
                    context.Response.StatusCode = 500;
                    return;
                case "hostile.jpg":
                    await WriteAnswerAsync(context, "data:image/webp;base64,AAAA);background:url(https://evil.example/x", "#3366cc");
                    return;
            }

            await WriteAnswerAsync(context, Placeholder, "#3366cc");
        });
        await _edge.StartAsync();
        _address = new Uri(_edge.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync()
    {
        await _edge.StopAsync();
        await _edge.DisposeAsync();
    }

    // The flower photo as the edge describes it: 2268x1512 upright.
    private static Task WriteAnswerAsync(HttpContext context, string placeholder, string colour)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "public, max-age=60";
        return context.Response.WriteAsJsonAsync(new
        {
            width = 2268, height = 1512, format = "jpeg", hasAlpha = false, animated = false, frames = 1, bytes = 546797,
            dominantColor = colour, output = new { width = 400, height = 267 }, placeholder,
        });
    }

    // A hang guard, not a promise: on a loaded machine a loopback answer can take a while. The slow-edge test sets its own.
    private static ServiceProvider Services(Uri? baseUrl, TimeSpan? timeout = null) => new ServiceCollection()
        .AddLogging()
        .AddEdgeImages(o =>
        {
            o.BaseUrl = baseUrl;
            o.KeyId = "k1";
            o.Secret = SecretHex;
            o.Tenants = "acme";
            o.Info.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        }).Services.BuildServiceProvider();

    private static async Task<TagHelperOutput> RenderAsync(EdgeImageTagHelper helper, params (string Name, string Value)[] attributes)
    {
        var context = new TagHelperContext("img", [], new Dictionary<object, object>(), "id");
        var output = new TagHelperOutput("img", [.. attributes.Select(a => new TagHelperAttribute(a.Name, a.Value))],
            (_, _) => Task.FromResult<TagHelperContent>(new DefaultTagHelperContent()));
        await helper.ProcessAsync(context, output);
        return output;
    }

    private static EdgeImageTagHelper Helper(ServiceProvider services) =>
        new(services.GetRequiredService<EdgeImageUrls>(), services.GetRequiredService<EdgeImageInfoClient>());

    private static string? Attribute(TagHelperOutput output, string name) =>
        output.Attributes.TryGetAttribute(name, out var attribute) ? attribute.Value.ToString() : null;

    [Fact]
    public async Task PlaceholderBlur_EdgeAnswers_BackgroundAndBothSidesRendered()
    {
        await using var services = Services(_address);
        var helper = Helper(services);
        helper.Source = "acme/flower.jpg";
        helper.Width = 400;
        helper.Placeholder = "blur";

        var output = await RenderAsync(helper);

        Assert.Equal("400", Attribute(output, "width"));
        Assert.Equal("267", Attribute(output, "height"));
        Assert.Equal($"background-image:url({Placeholder});background-size:cover;background-position:center;background-repeat:no-repeat", Attribute(output, "style"));
        var asked = Assert.Single(_asked);
        Assert.Equal("f:json,w:400", CanonicalOptions.FormatForUrl(UrlInspector.Inspect(asked, Ring, DateTimeOffset.UnixEpoch).Url!.Options));
    }

    [Fact]
    public async Task PlaceholderColor_PageStyleKeptAfterIt_SecondRenderFromMemory()
    {
        await using var services = Services(_address);
        var first = Helper(services);
        first.Source = "acme/flower.jpg";
        first.Width = 200;
        first.Placeholder = "color";
        var second = Helper(services);
        second.Source = "acme/flower.jpg";
        second.Width = 200;
        second.Placeholder = "color";

        var output = await RenderAsync(first, ("style", "border:0"));
        var again = await RenderAsync(second);

        Assert.Equal("background-color:#3366cc;border:0", Attribute(output, "style"));
        Assert.Equal("background-color:#3366cc", Attribute(again, "style"));
        Assert.Single(_asked);
    }

    [Fact]
    public async Task Measure_WidthOnly_HeightFromTheOriginalsSize_NoStyle()
    {
        await using var services = Services(_address);
        var helper = Helper(services);
        helper.Source = "acme/flower.jpg";
        helper.Height = 151;
        helper.Measure = true;

        var output = await RenderAsync(helper);

        Assert.Equal(("227", "151"), (Attribute(output, "width"), Attribute(output, "height")));
        Assert.Null(Attribute(output, "style"));
    }

    [Fact]
    public async Task RootRelativeUrls_FetchedFromTheAddressTheConnectionCameIn_NotTheHostHeader()
    {
        await using var services = Services(baseUrl: null);
        var http = new DefaultHttpContext();
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("evil.example");
        http.Connection.LocalIpAddress = IPAddress.Loopback;
        http.Connection.LocalPort = _address.Port;
        var helper = Helper(services);
        helper.ViewContext = new ViewContext { HttpContext = http };
        helper.Source = "acme/flower.jpg";
        helper.Width = 400;
        helper.Placeholder = "blur";

        var output = await RenderAsync(helper);

        Assert.StartsWith("/k1.", Attribute(output, "src"), StringComparison.Ordinal);
        Assert.Equal("267", Attribute(output, "height"));
        Assert.Single(_asked);
    }

    [Theory]
    [InlineData("acme/broken.jpg")]
    [InlineData("acme/hostile.jpg")]
    public async Task EdgeFailsOrAnswersUnsafeText_RenderedWithoutPlaceholder(string source)
    {
        await using var services = Services(_address);
        var helper = Helper(services);
        helper.Source = source;
        helper.Width = 400;
        helper.Placeholder = "blur";

        var output = await RenderAsync(helper);

        Assert.Null(Attribute(output, "style"));
        Assert.Null(Attribute(output, "height"));
        Assert.Equal("400", Attribute(output, "width"));
        Assert.NotNull(Attribute(output, "src"));
    }

    [Fact]
    public async Task EdgeTooSlow_RenderedWithoutPlaceholder_OtherImagesNotAskedDuringCooldown()
    {
        await using var services = Services(_address, TimeSpan.FromMilliseconds(500));
        var slow = Helper(services);
        slow.Source = "acme/slow.jpg";
        slow.Width = 400;
        slow.Placeholder = "blur";
        var next = Helper(services);
        next.Source = "acme/flower.jpg";
        next.Width = 400;
        next.Placeholder = "blur";

        var output = await RenderAsync(slow);
        var after = await RenderAsync(next);

        Assert.Null(Attribute(output, "style"));
        Assert.Null(Attribute(after, "style"));
        Assert.Single(_asked);
    }

    [Fact]
    public async Task NoInfoClient_PlaceholderAsked_RenderedWithoutIt()
    {
        await using var services = Services(_address);
        var helper = new EdgeImageTagHelper(services.GetRequiredService<EdgeImageUrls>()) { Source = "acme/flower.jpg", Width = 400, Placeholder = "blur" };

        var output = await RenderAsync(helper);

        Assert.Null(Attribute(output, "style"));
        Assert.Empty(_asked);
    }

    [Fact]
    public async Task UnknownPlaceholderKind_Throws()
    {
        await using var services = Services(_address);
        var helper = Helper(services);
        helper.Source = "acme/flower.jpg";
        helper.Placeholder = "lqip";

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => RenderAsync(helper));

        Assert.Contains("edge-placeholder must be blur, color or none", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("w:400,f:webp", "f:json,w:400")]
    [InlineData("-", "f:json")]
    public void InfoUrl_SameOptionsFormatJson(string options, string expected)
    {
        using var services = Services(_address);

        var url = services.GetRequiredService<EdgeImageUrls>().InfoUrl("acme/a b.jpg", TransformOptions.Parse(options));

        var inspection = UrlInspector.Inspect(new Uri(url).AbsolutePath, Ring, DateTimeOffset.UnixEpoch);
        Assert.True(inspection.IsAccepted, inspection.Error?.Detail);
        Assert.Equal(expected, CanonicalOptions.FormatForUrl(inspection.Url!.Options));
    }

    [Theory]
    [InlineData("""{"width":1,"height":1,"output":{"width":1,"height":1},"dominantColor":"#ABCDEF","placeholder":"data:image/webp;base64,AAAA"}""")]
    [InlineData("""{"width":1,"height":1,"output":{"width":1,"height":1},"dominantColor":"red;x:y","placeholder":"data:image/webp;base64,AAAA"}""")]
    [InlineData("""{"width":1,"height":1,"output":{"width":1,"height":1},"dominantColor":"#abcdef","placeholder":"data:text/html;base64,AAAA"}""")]
    [InlineData("""{"width":1,"height":1,"output":{"width":1,"height":1},"dominantColor":"#abcdef","placeholder":"data:image/webp;base64,AA AA"}""")]
    [InlineData("""{"width":0,"height":1,"output":{"width":1,"height":1},"dominantColor":"#abcdef","placeholder":"data:image/webp;base64,AAAA"}""")]
    [InlineData("""{"width":1,"height":1,"dominantColor":"#abcdef","placeholder":"data:image/webp;base64,AAAA"}""")]
    [InlineData("not json")]
    public void Parse_AnswerNotSafeToWriteIntoAPage_Null(string json) =>
        Assert.Null(EdgeImageInfoClient.Parse(System.Text.Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Parse_EdgesAnswer_Read()
    {
        var info = EdgeImageInfoClient.Parse("""{"width":1800,"height":1200,"format":"jpeg","hasAlpha":false,"animated":false,"frames":1,"bytes":352727,"dominantColor":"#3366cc","output":{"width":300,"height":200},"placeholder":"data:image/webp;base64,AAAA"}"""u8);

        Assert.Equal(new EdgeImageInfo(1800, 1200, "jpeg", false, false, 1, 352727, "#3366cc", new EdgeImageSize(300, 200), "data:image/webp;base64,AAAA"), info);
    }
}
