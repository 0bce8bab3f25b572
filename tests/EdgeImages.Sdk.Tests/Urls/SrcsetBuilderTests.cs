using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Tests.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

public sealed class SrcsetBuilderTests
{
    private static readonly SigningKey Key = TestKeys.Key("k1");
    private static readonly SigningKeyRing Ring = new([Key]);
    private static readonly SrcsetBuilder Srcset = new(new ImageUrlBuilder(Key));

    private static (string Url, string Descriptor)[] Candidates(string srcset) =>
        srcset.Split(", ").Select(c => c.Split(' ')).Select(p => (p[0], p[1])).ToArray();

    private static ImageUrl Verified(string rawPath)
    {
        var split = ImageUrl.SplitSignature(rawPath);
        Assert.Null(SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, Ring));
        var url = ImageUrl.Parse(rawPath);
        Assert.True(url.IsSuccess, url.Error?.Detail);
        return url.Value;
    }

    [Theory]
    [InlineData(100, 8192, 0.08)]
    [InlineData(100, 8192, 0.2)]
    [InlineData(1, 50, 0.08)]
    [InlineData(320, 1920, 0.5)]
    public void Ladder_AnyBounds_StepsWithinToleranceAndEndsAtMax(int min, int max, double tolerance)
    {
        var widths = SrcsetBuilder.WidthLadder(min, max, tolerance);

        Assert.Equal(min, widths[0]);
        Assert.Equal(max, widths[^1]);
        for (var i = 1; i < widths.Count; i++)
        {
            Assert.True(widths[i] > widths[i - 1]);
            Assert.True(widths[i] <= Math.Max(widths[i - 1] + 1, widths[i - 1] * (1 + tolerance)), $"{widths[i - 1]} -> {widths[i]}");
        }
    }

    [Fact]
    public void Ladder_Default_FirstStepsAreEightPercent() =>
        Assert.Equal([100, 108, 116, 125, 135], SrcsetBuilder.WidthLadder(100, 8192, 0.08).Take(5));

    [Fact]
    public void Ladder_SourceWidthKnown_StopsAtSourceWidth()
    {
        var widths = SrcsetBuilder.WidthLadder(100, 8192, 0.08, sourceWidth: 1000);

        Assert.Equal(1000, widths[^1]);
        Assert.All(widths, w => Assert.True(w <= 1000));
    }

    [Fact]
    public void Ladder_SourceNarrowerThanMin_IsOneCandidate() =>
        Assert.Equal([60], SrcsetBuilder.WidthLadder(100, 8192, 0.08, sourceWidth: 60));

    [Theory]
    [InlineData(0, 100, 0.08, null)]
    [InlineData(100, 8193, 0.08, null)]
    [InlineData(200, 100, 0.08, null)]
    [InlineData(100, 200, 0, null)]
    [InlineData(100, 200, 0.08, 0)]
    public void Ladder_BadArguments_Throw(int min, int max, double tolerance, int? source) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SrcsetBuilder.WidthLadder(min, max, tolerance, source));

    [Fact]
    public void Widths_EachCandidate_IsSignedUrlWithMatchingWidth()
    {
        var srcset = Srcset.BuildWidths(new TransformOptions { Format = ImageFormat.Auto }, "acme", "a b.jpg", 300, 600, 0.2);

        var candidates = Candidates(srcset);
        Assert.Equal(["300w", "360w", "432w", "518w", "600w"], candidates.Select(c => c.Descriptor));
        foreach (var (url, descriptor) in candidates)
        {
            var parsed = Verified(url);
            Assert.Equal(descriptor, $"{parsed.Options.Width}w");
            Assert.Equal(ImageFormat.Auto, parsed.Options.Format);
            Assert.Equal("a b.jpg", parsed.Path);
        }
    }

    [Fact]
    public void Widths_WithWidthAndHeight_KeepAspectRatio()
    {
        var srcset = Srcset.BuildWidths(new TransformOptions { Width = 400, Height = 300, Fit = FitMode.Cover }, "acme", "a.jpg", 400, 800, 0.5);

        var sizes = Candidates(srcset).Select(c => Verified(c.Url).Options).Select(o => (o.Width, o.Height));
        Assert.Equal([(400, 300), (600, 450), (800, 600)], sizes);
    }

    [Fact]
    public void Widths_WithBaseUri_AreAbsolute()
    {
        var srcset = new SrcsetBuilder(new ImageUrlBuilder(Key), new Uri("https://img.example.com"))
            .BuildWidths(new TransformOptions { Quality = 70 }, "acme", "a.jpg", 100, 120, 0.1);

        Assert.All(Candidates(srcset), c => Assert.StartsWith("https://img.example.com/k1.", c.Url, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(LadderlessOptions))]
    public void Widths_OptionsThatFixSize_Throw(TransformOptions options) =>
        Assert.Throws<ArgumentException>(() => Srcset.BuildWidths(options, "acme", "a.jpg"));

    public static TheoryData<TransformOptions> LadderlessOptions => new()
    {
        TransformOptions.PassThrough,
        new TransformOptions { Width = 100, Dpr = 2 },
        new TransformOptions { Height = 100 },
    };

    [Fact]
    public void Densities_Default_AreOneTwoThreeX()
    {
        var candidates = Candidates(Srcset.BuildDensities(new TransformOptions { Width = 400 }, "acme", "a.jpg"));

        Assert.Equal(["1x", "2x", "3x"], candidates.Select(c => c.Descriptor));
        Assert.Equal([null, 2.0, 3.0], candidates.Select(c => Verified(c.Url).Options.Dpr));
        Assert.All(candidates, c => Assert.Equal(400, Verified(c.Url).Options.Width));
    }

    [Fact]
    public void Densities_OneX_IsSameUrlAsPlainSrc()
    {
        var options = new TransformOptions { Width = 400 };

        var first = Candidates(Srcset.BuildDensities(options, "acme", "a.jpg"))[0].Url;

        Assert.Equal(new ImageUrlBuilder(Key).Build(options, "acme", "a.jpg"), first);
    }

    [Fact]
    public void Densities_Fractional_AreWrittenShort()
    {
        var candidates = Candidates(Srcset.BuildDensities(new TransformOptions { Width = 100 }, "acme", "a.jpg", 1.5, 2.25));

        Assert.Equal(["1.5x", "2.25x"], candidates.Select(c => c.Descriptor));
    }

    [Fact]
    public void Densities_OverMaxSize_AreSkipped()
    {
        var candidates = Candidates(Srcset.BuildDensities(new TransformOptions { Width = 3000 }, "acme", "a.jpg"));

        Assert.Equal(["1x", "2x"], candidates.Select(c => c.Descriptor));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(5.0)]
    [InlineData(1.333)]
    public void Densities_Invalid_Throw(double density) =>
        Assert.Throws<ArgumentException>(() => Srcset.BuildDensities(new TransformOptions { Width = 100 }, "acme", "a.jpg", density));

    [Fact]
    public void Densities_OptionsWithDpr_Throw() =>
        Assert.Throws<ArgumentException>(() => Srcset.BuildDensities(new TransformOptions { Width = 100, Dpr = 2 }, "acme", "a.jpg"));
}
