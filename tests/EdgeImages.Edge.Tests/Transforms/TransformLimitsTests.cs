using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class TransformLimitsTests
{
    [Fact]
    public void Defaults_Validate_Succeed() =>
        Assert.True(new TransformLimitsValidator().Validate(null, new TransformLimits()).Succeeded);

    [Fact]
    public void EveryLimitNonPositive_Validate_NamesEveryKey()
    {
        var result = new TransformLimitsValidator().Validate(
            null, new TransformLimits { MaxSourceBytes = 0, MaxSourcePixels = -1, MaxOutputPixels = 0, MaxAnimationFrames = 0 });

        Assert.True(result.Failed);
        Assert.Equal(4, result.Failures!.Count());
        foreach (var key in new[] { "Transforms:MaxSourceBytes must be positive", "Transforms:MaxSourcePixels must be positive", "Transforms:MaxOutputPixels must be positive", "Transforms:MaxAnimationFrames must be positive" })
        {
            Assert.Contains(result.Failures!, f => f.Contains(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void SourceBytesBeyondArrayLength_Validate_Fails()
    {
        var result = new TransformLimitsValidator().Validate(null, new TransformLimits { MaxSourceBytes = long.MaxValue });

        Assert.Contains(result.Failures!, f => f.Contains("Transforms:MaxSourceBytes must be positive, at most 2147483591", StringComparison.Ordinal));
    }
}

public sealed class TransformsServiceCollectionExtensionsTests
{
    [Fact]
    public void AddTransforms_ConfiguredLimits_AreBoundAndTransformerResolves()
    {
        using var provider = Build(new() { ["Transforms:MaxSourcePixels"] = "1234", ["Transforms:MaxAnimationFrames"] = "7" });

        Assert.Equal(1234, provider.GetRequiredService<IOptions<TransformLimits>>().Value.MaxSourcePixels);
        Assert.Equal(7, provider.GetRequiredService<IOptions<TransformLimits>>().Value.MaxAnimationFrames);
        Assert.NotNull(provider.GetRequiredService<ImageTransformer>());
    }

    [Fact]
    public void AddTransforms_InvalidLimits_FailValidationNamingTheKey()
    {
        using var provider = Build(new() { ["Transforms:MaxOutputPixels"] = "0" });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TransformLimits>>().Value);
        Assert.Contains(ex.Failures, f => f.Contains("Transforms:MaxOutputPixels must be positive", StringComparison.Ordinal));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddTransforms().BuildServiceProvider();
    }
}
