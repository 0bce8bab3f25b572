using EdgeImages.Edge.Http;
using EdgeImages.Edge.Presets;
using EdgeImages.Edge.Tenants;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Presets;

/// <summary>How <c>p:</c> is expanded: pure, no pixels, no server.</summary>
public sealed class PresetResolverTests
{
    private static readonly PresetResolver Resolver = new(Options.Create(new PresetOptions()));

    private static TenantSettings TenantWithPreset(string name, string definition) => new()
    {
        Presets = new Dictionary<string, string> { [name] = definition },
    };

    [Theory]
    [InlineData("-")]
    [InlineData("exp:1")]
    [InlineData("v:abc")]
    [InlineData("p:other")]
    [InlineData("w:200,exp:1")]
    public void TenantPreset_HoldsMoreThanTransformOptions_Refused400(string definition)
    {
        var problem = Assert.Throws<EdgeProblemException>(() =>
            Resolver.Resolve(TransformOptions.Parse("p:odd"), TenantWithPreset("odd", definition)));

        Assert.Equal(400, problem.Status);
        Assert.Contains("Preset 'odd' of this tenant is invalid", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TenantPreset_TransformOptionsOnly_Merged()
    {
        var merged = Resolver.Resolve(TransformOptions.Parse("p:thumb,w:100"), TenantWithPreset("thumb", "w:200,h:200,fit:cover"));

        Assert.Equal(TransformOptions.Parse("w:100,h:200,fit:cover"), merged);
    }

    [Theory]
    [InlineData("p:big,dpr:2", "w:5000")]
    [InlineData("p:big,h:4097", "dpr:2")]
    [InlineData("p:big,dpr:1.01", "w:8192,h:10")]
    public void UrlAndPreset_TogetherBreakTheDprProduct_Refused400(string url, string preset)
    {
        var problem = Assert.Throws<EdgeProblemException>(() =>
            Resolver.Resolve(TransformOptions.Parse(url), TenantWithPreset("big", preset)));

        Assert.Equal(400, problem.Status);
        Assert.Equal("option 'dpr' times 'w' or 'h' must not exceed 8192", problem.Detail);
    }

    [Fact]
    public void SharedPreset_TogetherWithUrlBreakTheDprProduct_Refused400()
    {
        var shared = new PresetOptions();
        shared.Definitions["big"] = "w:5000";
        var resolver = new PresetResolver(Options.Create(shared));

        var problem = Assert.Throws<EdgeProblemException>(() => resolver.Resolve(TransformOptions.Parse("p:big,dpr:2"), TenantSettings.Default));

        Assert.Equal(400, problem.Status);
    }

    [Fact]
    public void UrlAndPreset_DprProductAtTheLimit_Merged()
    {
        var merged = Resolver.Resolve(TransformOptions.Parse("p:big,dpr:2"), TenantWithPreset("big", "w:4096"));

        Assert.Equal(TransformOptions.Parse("w:4096,dpr:2"), merged);
    }
}
