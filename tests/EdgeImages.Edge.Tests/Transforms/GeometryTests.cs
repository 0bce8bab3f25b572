using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class GeometryTests
{
    private static readonly PixelSize Landscape = new(4000, 3000);

    [Theory]
    [InlineData(SKEncodedOrigin.TopLeft, 1800, 1200)]
    [InlineData(SKEncodedOrigin.TopRight, 1800, 1200)]
    [InlineData(SKEncodedOrigin.BottomRight, 1800, 1200)]
    [InlineData(SKEncodedOrigin.BottomLeft, 1800, 1200)]
    [InlineData(SKEncodedOrigin.LeftTop, 1200, 1800)]
    [InlineData(SKEncodedOrigin.RightTop, 1200, 1800)]
    [InlineData(SKEncodedOrigin.RightBottom, 1200, 1800)]
    [InlineData(SKEncodedOrigin.LeftBottom, 1200, 1800)]
    public void StoredSize_EachExifOrigin_OrientsWithSwapFor5To8(SKEncodedOrigin origin, int width, int height) =>
        Assert.Equal(new PixelSize(width, height), Geometry.Orient(new PixelSize(1800, 1200), origin));

    [Fact]
    public void Crop_InsideSource_GivesCropSize() =>
        Assert.Equal(new PixelSize(100, 50), Geometry.Crop(Landscape, new CropRect(3900, 2950, 100, 50)));

    [Fact]
    public void Crop_None_KeepsSourceSize() => Assert.Equal(Landscape, Geometry.Crop(Landscape, null));

    [Theory]
    [InlineData(3901, 0, 100, 50)]
    [InlineData(0, 2951, 100, 50)]
    [InlineData(-1, 0, 10, 10)]
    [InlineData(0, 0, 0, 10)]
    [InlineData(int.MaxValue, 0, int.MaxValue, 10)]
    public void Crop_OutsideSource_ThrowsGeometryErrorThatTheEdgeAnswersAs400(int x, int y, int width, int height)
    {
        var ex = Assert.Throws<GeometryException>(() => Geometry.Crop(Landscape, new CropRect(x, y, width, height)));
        var problem = new EdgeProblems(Options.Create(new CacheOptions()), TimeProvider.System).Translate(ex);

        Assert.Contains("does not lie inside the 4000x3000 source", ex.Message, StringComparison.Ordinal);
        Assert.Equal(400, problem?.Status);
        Assert.Equal(ex.Message, problem?.Detail);
    }

    [Theory]
    [InlineData(0, 4000, 3000)]
    [InlineData(90, 3000, 4000)]
    [InlineData(180, 4000, 3000)]
    [InlineData(270, 3000, 4000)]
    public void Rotate_QuarterTurns_SwapSides(int degrees, int width, int height) =>
        Assert.Equal(new PixelSize(width, height), Geometry.Rotate(Landscape, degrees));

    [Theory]
    [InlineData(FitMode.Cover, 400, 400, 533, 400, 400, 400)]
    [InlineData(FitMode.Contain, 400, 400, 400, 300, 400, 400)]
    [InlineData(FitMode.Fill, 400, 400, 400, 400, 400, 400)]
    [InlineData(FitMode.Inside, 400, 400, 400, 300, 400, 300)]
    [InlineData(FitMode.Outside, 400, 400, 533, 400, 533, 400)]
    public void Fit_SquareBoxOnLandscape_FollowsObjectFit(FitMode fit, int w, int h, int scaledW, int scaledH, int outW, int outH)
    {
        var plan = Geometry.PlanFit(Landscape, new TransformOptions { Width = w, Height = h, Fit = fit });

        Assert.Equal(new PixelSize(scaledW, scaledH), plan.Scaled);
        Assert.Equal(new PixelSize(outW, outH), plan.Output);
    }

    [Fact]
    public void Fit_BothSidesWithoutFit_DefaultsToCover() =>
        Assert.Equal(FitMode.Cover, Geometry.PlanFit(Landscape, new TransformOptions { Width = 100, Height = 100 }).Fit);

    [Theory]
    [InlineData(400, null, 400, 300)]
    [InlineData(null, 300, 400, 300)]
    [InlineData(401, null, 401, 301)]
    public void Fit_OneSide_KeepsAspect(int? w, int? h, int outW, int outH) =>
        Assert.Equal(new PixelSize(outW, outH), Geometry.PlanFit(Landscape, new TransformOptions { Width = w, Height = h }).Output);

    [Fact]
    public void Fit_NeitherSide_IsSourceSize()
    {
        var plan = Geometry.PlanFit(new PixelSize(123, 45), new TransformOptions { Dpr = 2 });

        Assert.Equal(new PixelSize(123, 45), plan.Output);
        Assert.Equal(1, plan.MinimumScale);
    }

    [Theory]
    [InlineData(1.5, 600, 450)]
    [InlineData(2, 800, 600)]
    [InlineData(1.33, 532, 399)]
    public void Dpr_MultipliesBox_Rounded(double dpr, int outW, int outH) =>
        Assert.Equal(new PixelSize(outW, outH), Geometry.PlanFit(Landscape, new TransformOptions { Width = 400, Height = 300, Dpr = dpr }).Output);

    [Theory]
    [InlineData(FitMode.Inside)]
    [InlineData(FitMode.Outside)]
    [InlineData(FitMode.Cover)]
    [InlineData(FitMode.Contain)]
    [InlineData(FitMode.Fill)]
    public void NoUpscale_BoxLargerThanSource_OutputNeverLarger(FitMode fit)
    {
        var source = new PixelSize(1000, 500);
        var plan = Geometry.PlanFit(source, new TransformOptions { Width = 3000, Height = 3000, Fit = fit });

        Assert.True(plan.Output.Width <= 1000 && plan.Output.Height <= 500, $"{fit}: {plan.Output}");
        Assert.True(plan.Scaled.Width <= 1000 && plan.Scaled.Height <= 500, $"{fit}: {plan.Scaled}");
    }

    [Theory]
    [InlineData(FitMode.Cover, 500, 500, 1000, 500)]
    [InlineData(FitMode.Contain, 500, 500, 500, 250)]
    [InlineData(FitMode.Fill, 500, 500, 500, 500)]
    [InlineData(FitMode.Inside, 1000, 500, 1000, 500)]
    [InlineData(FitMode.Outside, 1000, 500, 1000, 500)]
    public void NoUpscale_SquareBoxLargerThanSource_BoxShrinksKeepingAspect(FitMode fit, int outW, int outH, int scaledW, int scaledH)
    {
        var plan = Geometry.PlanFit(new PixelSize(1000, 500), new TransformOptions { Width = 2000, Height = 2000, Fit = fit });

        Assert.Equal(new PixelSize(outW, outH), plan.Output);
        Assert.Equal(new PixelSize(scaledW, scaledH), plan.Scaled);
    }

    [Theory]
    [InlineData(FitMode.Cover, 2000, 2000, 4000, 2000)]
    [InlineData(FitMode.Contain, 2000, 2000, 2000, 1000)]
    [InlineData(FitMode.Fill, 2000, 2000, 2000, 2000)]
    [InlineData(FitMode.Inside, 2000, 1000, 2000, 1000)]
    [InlineData(FitMode.Outside, 4000, 2000, 4000, 2000)]
    public void Upscale_BoxLargerThanSource_Enlarges(FitMode fit, int outW, int outH, int scaledW, int scaledH)
    {
        var plan = Geometry.PlanFit(new PixelSize(1000, 500), new TransformOptions { Width = 2000, Height = 2000, Fit = fit, Upscale = true });

        Assert.Equal(new PixelSize(outW, outH), plan.Output);
        Assert.Equal(new PixelSize(scaledW, scaledH), plan.Scaled);
    }

    [Fact]
    public void NoUpscale_OneSideLargerThanSource_KeepsSourceSize() =>
        Assert.Equal(new PixelSize(1000, 500), Geometry.PlanFit(new PixelSize(1000, 500), new TransformOptions { Width = 1600 }).Output);

    [Fact]
    public void MinimumScale_Downscale_IsRatioOfScaledToInput() =>
        Assert.Equal(0.1, Geometry.PlanFit(Landscape, new TransformOptions { Width = 400 }).MinimumScale, 3);

    [Theory]
    [InlineData(GravityKind.Center, 100, 50)]
    [InlineData(GravityKind.North, 100, 0)]
    [InlineData(GravityKind.South, 100, 100)]
    [InlineData(GravityKind.East, 200, 50)]
    [InlineData(GravityKind.West, 0, 50)]
    [InlineData(GravityKind.NorthEast, 200, 0)]
    [InlineData(GravityKind.NorthWest, 0, 0)]
    [InlineData(GravityKind.SouthEast, 200, 100)]
    [InlineData(GravityKind.SouthWest, 0, 100)]
    [InlineData(GravityKind.Smart, 100, 50)]
    public void CoverOffset_CompassGravity_PinsTheMatchingEdges(GravityKind kind, int x, int y) =>
        Assert.Equal((x, y), Geometry.CoverOffset(new PixelSize(400, 300), new PixelSize(200, 200), new Gravity(kind)));

    [Theory]
    [InlineData(0.5, 0.5, 100, 50)]
    [InlineData(0.75, 0.4, 200, 20)]
    [InlineData(0.6, 0.6, 140, 80)]
    [InlineData(0.0, 0.0, 0, 0)]
    [InlineData(1.0, 1.0, 200, 100)]
    [InlineData(0.1, 0.95, 0, 100)]
    public void CoverOffset_FocalPoint_CentresThenClampsInsideImage(double fx, double fy, int x, int y) =>
        Assert.Equal((x, y), Geometry.CoverOffset(new PixelSize(400, 300), new PixelSize(200, 200), new Gravity(GravityKind.FocalPoint, fx, fy)));

    [Fact]
    public void ContainOffset_Letterbox_Centres() =>
        Assert.Equal((0, 50), Geometry.ContainOffset(new PixelSize(400, 300), new PixelSize(400, 400)));
}
