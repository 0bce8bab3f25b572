using EdgeImages.Edge.Transforms;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class TransformLimitsTests
{
    [Fact]
    public void Defaults_Validate_Succeed() =>
        Assert.True(new TransformLimitsValidator().Validate(null, new TransformLimits()).Succeeded);

    [Fact]
    public void EveryLimitNonPositive_Validate_NamesEveryKey()
    {
        var result = new TransformLimitsValidator().Validate(null, new TransformLimits { MaxSourceBytes = 0, MaxSourcePixels = -1, MaxOutputPixels = 0 });

        Assert.True(result.Failed);
        Assert.Equal(
            ["Transforms:MaxSourceBytes must be positive", "Transforms:MaxSourcePixels must be positive", "Transforms:MaxOutputPixels must be positive"],
            result.Failures);
    }

    [Fact]
    public void SourceBytesBeyondArrayLength_Validate_Fails()
    {
        var result = new TransformLimitsValidator().Validate(null, new TransformLimits { MaxSourceBytes = long.MaxValue });

        Assert.Contains(result.Failures!, f => f.StartsWith("Transforms:MaxSourceBytes", StringComparison.Ordinal));
    }
}
