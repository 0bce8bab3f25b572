using System.Text.Json;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Tests.Transforms;

/// <summary>
/// With only <c>w</c> (or only <c>h</c>) the output has exactly that side: scaled from it, the other side rounded. The
/// SDK's <see cref="DisplaySize"/> promises the page that size, so the edge's geometry must agree with it pixel for pixel.
/// </summary>
public sealed class OneSideSizeTests
{
    // Source aspect ratios that round differently: the shared photos (3:2 both ways), a BMP of 127x64, and extremes.
    public static TheoryData<int, int> Sources => new()
    {
        { 2268, 1512 }, { 1800, 1200 }, { 1200, 1800 }, { 127, 64 }, { 1000, 333 }, { 333, 1000 }, { 1500, 7 }, { 7, 1500 },
    };

    private static readonly FitMode?[] Fits = [null, FitMode.Cover, FitMode.Contain, FitMode.Fill, FitMode.Inside, FitMode.Outside];

    [Theory]
    [MemberData(nameof(Sources))]
    public void OnlyWidth_EveryWidthUpToTheSource_OutputHasThatWidthAndAgreesWithDisplaySize(int sourceWidth, int sourceHeight)
    {
        var input = new PixelSize(sourceWidth, sourceHeight);
        foreach (var fit in Fits)
        {
            for (var w = 1; w <= sourceWidth; w++)
            {
                var options = new TransformOptions { Width = w, Fit = fit };
                var output = Geometry.PlanFit(input, options).Output;
                var declared = DisplaySize.Compute(options, sourceWidth, sourceHeight);

                Assert.True(output.Width == w, $"{input} w:{w} fit:{fit} gave {output}");
                Assert.True((output.Width, output.Height) == (declared.Width, declared.Height), $"{input} w:{w} fit:{fit} gave {output}, DisplaySize {declared}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void OnlyHeight_EveryHeightUpToTheSource_OutputHasThatHeightAndAgreesWithDisplaySize(int sourceWidth, int sourceHeight)
    {
        var input = new PixelSize(sourceWidth, sourceHeight);
        foreach (var fit in Fits)
        {
            for (var h = 1; h <= sourceHeight; h++)
            {
                var options = new TransformOptions { Height = h, Fit = fit };
                var output = Geometry.PlanFit(input, options).Output;
                var declared = DisplaySize.Compute(options, sourceWidth, sourceHeight);

                Assert.True(output.Height == h, $"{input} h:{h} fit:{fit} gave {output}");
                Assert.True((output.Width, output.Height) == (declared.Width, declared.Height), $"{input} h:{h} fit:{fit} gave {output}, DisplaySize {declared}");
            }
        }
    }

    [Theory]
    [InlineData(1.25)]
    [InlineData(1.5)]
    [InlineData(2)]
    [InlineData(2.75)]
    public void OnlyOneSide_WithDpr_ThatSideIsTheRoundedProduct(double dpr)
    {
        var input = new PixelSize(2268, 1512);
        for (var side = 1; side * dpr <= input.Height; side++)
        {
            var expected = (int)Math.Round(side * dpr, MidpointRounding.AwayFromZero);
            Assert.Equal(expected, Geometry.PlanFit(input, new TransformOptions { Width = side, Dpr = dpr }).Output.Width);
            Assert.Equal(expected, Geometry.PlanFit(input, new TransformOptions { Height = side, Dpr = dpr }).Output.Height);
        }
    }

    [Theory]
    [InlineData(FitMode.Inside)]
    [InlineData(FitMode.Cover)]
    [InlineData(FitMode.Fill)]
    public void OnlyWidth_LargerThanSourceWithoutUp_IsTheSourceSize(FitMode fit) =>
        Assert.Equal(new PixelSize(127, 64), Geometry.PlanFit(new PixelSize(127, 64), new TransformOptions { Width = 500, Fit = fit }).Output);

    [Theory]
    [InlineData("jpeg-progressive.jpg", 749, null, 749, 499)]
    [InlineData("exif-orientation-1.jpg", 62, null, 62, 41)]
    [InlineData("bmp-32bit.bmp", 100, null, 100, 50)]
    [InlineData("exif-orientation-6.jpg", 62, null, 62, 41)] // stored 1200x1800, displayed 1800x1200: w is the displayed width
    [InlineData("exif-orientation-6.jpg", null, 41, 62, 41)]
    public void SharedImage_OneSide_ImageAndJsonHaveExactlyThatSide(string name, int? w, int? h, int width, int height)
    {
        var image = TestImages.Transform(name, new TransformOptions { Width = w, Height = h, Format = ImageFormat.Png });
        var info = TestImages.Transform(name, new TransformOptions { Width = w, Height = h, Format = ImageFormat.Json });
        using var json = JsonDocument.Parse(info.Content);
        var output = json.RootElement.GetProperty("output");

        Assert.Equal((width, height), (image.Width, image.Height));
        using var decoded = TestImages.Decode(image.Content);
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.Equal((width, height), (output.GetProperty("width").GetInt32(), output.GetProperty("height").GetInt32()));
    }
}
