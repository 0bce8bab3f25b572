using EdgeImages.Sdk.AspNetCore;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeImages.Sdk.Tests.AspNetCore;

/// <summary>The tag helper rendered as Razor would: a context, an output, Process; every URL it writes verified.</summary>
public sealed class EdgeImageTagHelperTests
{
    private const string SecretHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private static readonly SigningKeyRing Ring = new([new SigningKey("k1", HexSecret.Parse(SecretHex), KeyTenants.Of("acme", "demo"))]);

    private static EdgeImageUrls Urls(Uri? baseUrl = null) =>
        new(Options.Create(new EdgeImageUrlOptions { KeyId = "k1", Secret = SecretHex, Tenants = "acme,demo", BaseUrl = baseUrl }), new ServiceCollection().BuildServiceProvider());

    private static TagHelperOutput Render(EdgeImageTagHelper helper, params (string Name, string Value)[] attributes)
    {
        var context = new TagHelperContext("img", [], new Dictionary<object, object>(), "id");
        var output = new TagHelperOutput("img", [.. attributes.Select(a => new TagHelperAttribute(a.Name, a.Value))],
            (_, _) => Task.FromResult<TagHelperContent>(new DefaultTagHelperContent()));
        // Without edge-placeholder or edge-measure nothing is fetched, and ProcessAsync completes before it returns.
        var processing = helper.ProcessAsync(context, output);
        Assert.True(processing.IsCompleted);
        processing.GetAwaiter().GetResult();
        return output;
    }

    private static string Attribute(TagHelperOutput output, string name) => output.Attributes[name].Value.ToString()!;

    private static ImageUrl Verified(string url)
    {
        var path = url.StartsWith('/') ? url : new Uri(url).AbsolutePath;
        var inspection = UrlInspector.Inspect(url.StartsWith('/') ? url : url[url.IndexOf('/', 8)..], Ring, DateTimeOffset.UnixEpoch);
        Assert.True(inspection.IsAccepted, $"{path}: {inspection.Error?.Detail}");
        return inspection.Url!;
    }

    [Fact]
    public void WidthHeightFit_Rendered_SignedSrcWidthAndHeight()
    {
        var output = Render(new EdgeImageTagHelper(Urls()) { Source = "acme/photos/cat.jpg", Width = 400, Height = 300, Fit = "cover" });

        Assert.Equal("/k1.GSGeXmZPz9_uPARdlwAAng/fit:cover,h:300,w:400/acme/photos/cat.jpg", Attribute(output, "src"));
        Assert.Equal("400", Attribute(output, "width"));
        Assert.Equal("300", Attribute(output, "height"));
        Assert.False(output.Attributes.ContainsName("srcset"));
    }

    [Fact]
    public void EveryOptionAttribute_Rendered_AllInTheSignedUrl()
    {
        var output = Render(new EdgeImageTagHelper(Urls())
        {
            Source = "acme/a b/café.png", Width = 300, Height = 200, Dpr = 1.5, Fit = "contain", Gravity = "fp:0.25:0.75", Crop = "0:0:600:400",
            Rotate = 90, Flip = "hv", Blur = 0.5, Sharpen = 1, Quality = 70, Format = "webp", Background = "FFFFFF80", Upscale = true,
            Expires = DateTimeOffset.FromUnixTimeSeconds(2000000000), Version = "v2", Preset = "thumb",
        });

        var url = Verified(Attribute(output, "src"));
        Assert.Equal("bg:ffffff80,blur:0.5,crop:0:0:600:400,dpr:1.5,exp:2000000000,f:webp,fit:contain,flip:hv,g:fp:0.25:0.75,h:200,p:thumb,q:70,rot:90,sharpen:1,up:1,v:v2,w:300",
            CanonicalOptions.FormatForUrl(url.Options));
        Assert.Equal("a b/café.png", url.Path);
    }

    [Fact]
    public void Widths_Rendered_SrcsetKeepsAspectAndDefaultSizes()
    {
        var output = Render(new EdgeImageTagHelper(Urls()) { Source = "demo/photos/lake.webp", Width = 800, Height = 400, Widths = "400, 800,1600" });

        var candidates = Attribute(output, "srcset").Split(", ");
        Assert.Equal(3, candidates.Length);
        Assert.EndsWith(" 1600w", candidates[2], StringComparison.Ordinal);
        Assert.Equal(800, Verified(candidates[2].Split(' ')[0]).Options.Height);
        Assert.Equal("(max-width: 800px) 100vw, 800px", Attribute(output, "sizes"));
        Assert.Equal(800, Verified(Attribute(output, "src")).Options.Width);
    }

    [Fact]
    public void Ladder_WithSourceWidth_CappedAtSourceAndSizesAsGiven()
    {
        var output = Render(new EdgeImageTagHelper(Urls()) { Source = "acme/p.jpg", MinWidth = 200, MaxWidth = 4000, Tolerance = 0.5, SourceWidth = 1000, SourceHeight = 500, Sizes = "50vw" });

        var widths = Attribute(output, "srcset").Split(", ").Select(c => c.Split(' ')[1]).ToArray();
        Assert.Equal(["200w", "300w", "450w", "675w", "1000w"], widths);
        Assert.Equal("50vw", Attribute(output, "sizes"));
        Assert.Equal(1000, Verified(Attribute(output, "src")).Options.Width);
        Assert.Equal("1000", Attribute(output, "width"));
        Assert.Equal("500", Attribute(output, "height"));
    }

    [Fact]
    public void Densities_Rendered_XDescriptorsAndOneXEqualsSrc()
    {
        var output = Render(new EdgeImageTagHelper(Urls(new Uri("https://img.example.com/"))) { Source = "acme/a.png", Width = 64, Height = 64, Densities = "1,2,3" });

        var candidates = Attribute(output, "srcset").Split(", ");
        Assert.Equal($"{Attribute(output, "src")} 1x", candidates[0]);
        Assert.StartsWith("https://img.example.com/k1.", candidates[2], StringComparison.Ordinal);
        Assert.Equal(3, Verified(candidates[2].Split(' ')[0]).Options.Dpr);
        Assert.False(output.Attributes.ContainsName("sizes"));
    }

    [Fact]
    public void OnlyWidth_SourceUnknown_NoHeightInvented()
    {
        var output = Render(new EdgeImageTagHelper(Urls()) { Source = "acme/a.jpg", Options = "w:240,blur:2" });

        Assert.Equal("240", Attribute(output, "width"));
        Assert.False(output.Attributes.ContainsName("height"));
    }

    [Fact]
    public void WidthOnElement_Rendered_PageValuesKept()
    {
        var output = Render(new EdgeImageTagHelper(Urls()) { Source = "acme/a.jpg", Width = 400, Height = 300 }, ("width", "200"), ("alt", "x"));

        Assert.Equal("200", Attribute(output, "width"));
        Assert.False(output.Attributes.ContainsName("height"));
        Assert.Equal("x", Attribute(output, "alt"));
    }

    [Fact]
    public void NoOptions_Rendered_OriginalPassThrough() =>
        Assert.Contains("/-/acme/a.jpg", Attribute(Render(new EdgeImageTagHelper(Urls()) { Source = "acme/a.jpg" }), "src"), StringComparison.Ordinal);

    [Theory]
    [InlineData("w:0", null, "option 'w' must be an integer from 1 to 8192")]
    [InlineData("w:400", null, "option 'w' is given twice")]
    [InlineData(null, "cover,w:5", "may not contain ','")]
    public void InvalidOptions_Rendered_ThrowsNamingTheRule(string? options, string? fit, string message)
    {
        var helper = new EdgeImageTagHelper(Urls()) { Source = "acme/a.jpg", Options = options, Fit = fit, Width = options == "w:400" ? 300 : null };

        var e = Assert.Throws<InvalidOperationException>(() => Render(helper));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("acme/a.jpg", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cat.jpg")]
    [InlineData("Acme/cat.jpg")]
    [InlineData("acme/../cat.jpg")]
    public void InvalidSource_Rendered_Throws(string source) =>
        Assert.Throws<InvalidOperationException>(() => Render(new EdgeImageTagHelper(Urls()) { Source = source, Width = 10 }));

    [Fact]
    public void DensitiesAndWidths_Rendered_ThrowsBecauseTheyExcludeEachOther() =>
        Assert.Throws<InvalidOperationException>(() => Render(new EdgeImageTagHelper(Urls()) { Source = "acme/a.jpg", Width = 10, Densities = "1,2", Widths = "10,20" }));

    [Fact]
    public void NoKey_Rendered_ThrowsSayingHowToConfigure()
    {
        var urls = new EdgeImageUrls(Options.Create(new EdgeImageUrlOptions()), new ServiceCollection().BuildServiceProvider());

        Assert.False(urls.CanSign);
        var e = Assert.Throws<InvalidOperationException>(() => Render(new EdgeImageTagHelper(urls) { Source = "acme/a.jpg", Width = 10 }));
        Assert.Contains("KeyId", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyFromProvider_ActiveKey_Signs_VerifyOnlyKey_DoesNot()
    {
        var ring = new SigningKeyRing([new SigningKey("k1", HexSecret.Parse(SecretHex), KeyTenants.Of("acme")), new SigningKey("k0", HexSecret.Parse(SecretHex), KeyTenants.Of("acme"), SigningKeyState.VerifyOnly)]);
        var services = new ServiceCollection().AddSingleton<ISigningKeyProvider>(ring);
        services.AddEdgeImages(o => o.KeyId = "k1");
        using var provider = services.BuildServiceProvider();

        Assert.Equal("/k1.GSGeXmZPz9_uPARdlwAAng/fit:cover,h:300,w:400/acme/photos/cat.jpg", provider.GetRequiredService<EdgeImageUrls>().Url("acme/photos/cat.jpg", "w:400,h:300,fit:cover"));
        Assert.False(new EdgeImageUrls(Options.Create(new EdgeImageUrlOptions { KeyId = "k0" }), provider).CanSign);
    }

    [Fact]
    public void AddEdgeImages_BadSecret_FailsValidationNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddEdgeImages(o => { o.KeyId = "k1"; o.Secret = "abc"; });
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EdgeImageUrlOptions>>().Value);
        Assert.Contains("Secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddEdgeImages_SecretWithoutTenants_FailsValidationNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddEdgeImages(o => { o.KeyId = "k1"; o.Secret = SecretHex; });
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EdgeImageUrlOptions>>().Value);
        Assert.Contains("Tenants", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Url_SourceOfATenantTheKeyIsNotBoundTo_Throws()
    {
        var urls = Urls();

        var e = Assert.Throws<ArgumentException>(() => urls.Url("globex/contracts/q3.png", "w:100"));
        Assert.Contains("not valid for tenant 'globex'", e.Message, StringComparison.Ordinal);
    }
}
