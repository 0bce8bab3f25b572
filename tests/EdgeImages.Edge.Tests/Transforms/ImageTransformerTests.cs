using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class ImageTransformerTests
{
    [Theory]
    [InlineData(FitMode.Cover, 400, 300)]
    [InlineData(FitMode.Contain, 400, 300)]
    [InlineData(FitMode.Fill, 400, 300)]
    [InlineData(FitMode.Inside, 400, 300)]
    [InlineData(FitMode.Outside, 400, 300)]
    public void LandscapeJpeg_EachFitIntoLandscapeBox_HasPlannedSize(FitMode fit, int width, int height)
    {
        // 3984x2988 is 4:3, so every fit lands on 400x300 except where the rounding says otherwise.
        var result = TestImages.Transform("photo-landscape-12mp.jpg", new TransformOptions { Width = width, Height = height, Fit = fit });

        Assert.Equal((400, 300), (result.Width, result.Height));
        using var decoded = TestImages.Decode(result.Content);
        Assert.Equal((400, 300), (decoded.Width, decoded.Height));
    }

    [Theory]
    [InlineData(FitMode.Cover, 300, 300)]
    [InlineData(FitMode.Contain, 300, 300)]
    [InlineData(FitMode.Fill, 300, 300)]
    [InlineData(FitMode.Inside, 300, 225)]
    [InlineData(FitMode.Outside, 400, 300)]
    public void LandscapeJpeg_EachFitIntoSquareBox_HasFitSize(FitMode fit, int width, int height)
    {
        var result = TestImages.Transform("photo-landscape-12mp.jpg", new TransformOptions { Width = 300, Height = 300, Fit = fit });

        using var decoded = TestImages.Decode(result.Content);
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void OpaqueJpeg_AutoWithoutWebp_IsJpeg()
    {
        var result = TestImages.Transform("photo-flower-3mp-baseline.jpg", new TransformOptions { Width = 200 });

        Assert.Equal(ImageFormat.Jpeg, result.Format);
        Assert.Equal("image/jpeg", result.ContentType);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF }, result.Content[..3]);
    }
}
