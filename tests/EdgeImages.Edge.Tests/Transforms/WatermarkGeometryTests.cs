using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class WatermarkGeometryTests
{
    [Theory]
    [InlineData(GravityKind.SouthEast, 280, 230)]
    [InlineData(GravityKind.NorthWest, 20, 20)]
    [InlineData(GravityKind.NorthEast, 280, 20)]
    [InlineData(GravityKind.SouthWest, 20, 230)]
    [InlineData(GravityKind.Center, 150, 125)]
    [InlineData(GravityKind.North, 150, 20)]
    [InlineData(GravityKind.East, 280, 125)]
    public void QuarterWidth_FivePercentMargin_AtEachGravity(GravityKind gravity, int x, int y)
    {
        var placed = WatermarkGeometry.Place(new PixelSize(400, 300), new PixelSize(200, 100), new WatermarkPlacement(gravity, 0.05, 0.25, 1));

        Assert.Equal((x, y, 100, 50), placed);
    }

    [Fact]
    public void TallMarkOnAShortOutput_ScaledDownToFitInsideTheMargins()
    {
        // A quarter of 400 is 100 wide, so 400 tall: too tall for 100 - 2 * 20 = 60 of room.
        var placed = WatermarkGeometry.Place(new PixelSize(400, 100), new PixelSize(50, 200), new WatermarkPlacement(GravityKind.SouthEast, 0.05, 0.25, 1));

        Assert.Equal((365, 20, 15, 60), placed);
    }

    [Fact]
    public void MarginsLeavingNoRoom_AreDropped_TheMarkStaysInside()
    {
        var placed = WatermarkGeometry.Place(new PixelSize(100, 4), new PixelSize(10, 10), new WatermarkPlacement(GravityKind.SouthEast, 0.5, 1, 1));

        Assert.Equal((96, 0, 4, 4), placed);
    }
}
