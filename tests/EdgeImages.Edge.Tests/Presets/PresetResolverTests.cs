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
}
