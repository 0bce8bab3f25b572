using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Pipeline;
using EdgeImages.Edge.Tenants;
using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Watermarks;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Tests.Watermarks;

/// <summary>Which watermark a request gets, and what its cache key then says: pure, no pixels, no server.</summary>
public sealed class WatermarkChoiceTests
{
    private static readonly TenantWatermark Logo = new("logo", "brand/logo.png", new WatermarkPlacement(GravityKind.SouthEast, 0.02, 0.25, 1));
    private static readonly TenantWatermark Stamp = new("stamp", "brand/stamp.png", new WatermarkPlacement(GravityKind.Center, 0, 0.5, 0.4));

    private static readonly TenantSettings WithDefault = new()
    {
        Watermarks = new Dictionary<string, TenantWatermark> { ["logo"] = Logo, ["stamp"] = Stamp },
        DefaultWatermark = "logo",
    };

    [Fact]
    public void NoWm_TenantDefault_NamedWm_ThatOne_WmNone_Nothing()
    {
        Assert.Same(Logo, WatermarkChoice.Choose(new TransformOptions { Width = 10 }, WithDefault));
        Assert.Same(Stamp, WatermarkChoice.Choose(new TransformOptions { Width = 10, Watermark = "stamp" }, WithDefault));
        Assert.Null(WatermarkChoice.Choose(new TransformOptions { Width = 10, Watermark = "none" }, WithDefault));
        Assert.Null(WatermarkChoice.Choose(new TransformOptions { Width = 10 }, TenantSettings.Default));
        Assert.Null(WatermarkChoice.Choose(TransformOptions.PassThrough, WithDefault));
    }

    [Fact]
    public void UnknownName_RequiredAndWmNone_RefusedPassThrough_Are400()
    {
        var required = WithDefault with { WatermarkRequired = true, RefusePassThrough = true };

        Assert.Equal(400, Assert.Throws<EdgeProblemException>(() => WatermarkChoice.Choose(new TransformOptions { Watermark = "nope" }, WithDefault)).Status);
        Assert.Equal(400, Assert.Throws<EdgeProblemException>(() => WatermarkChoice.Choose(new TransformOptions { Watermark = "none" }, required)).Status);
        Assert.Equal(400, Assert.Throws<EdgeProblemException>(() => WatermarkChoice.Choose(TransformOptions.PassThrough, required)).Status);
    }

    [Fact]
    public void CacheKey_NamesTheAppliedWatermarkItsVersionAndSettings_NotTheUrlsSpelling()
    {
        var named = KeyOf(new TransformOptions { Width = 10, Watermark = "logo" }, Logo, "v1");
        var byDefault = KeyOf(new TransformOptions { Width = 10 }, Logo, "v1");
        var newImage = KeyOf(new TransformOptions { Width = 10 }, Logo, "v2");
        var otherPlace = KeyOf(new TransformOptions { Width = 10 }, Logo with { Placement = Logo.Placement with { Opacity = 0.5 } }, "v1");
        var otherPath = KeyOf(new TransformOptions { Width = 10 }, Logo with { Path = "brand/logo2.png" }, "v1");
        var none = KeyOf(new TransformOptions { Width = 10, Watermark = "none" }, null, null);
        var bare = KeyOf(new TransformOptions { Width = 10 }, null, null);

        Assert.Equal(named, byDefault);
        Assert.Contains("|wm:logo@v1#", named, StringComparison.Ordinal);
        Assert.Equal(5, new[] { named, newImage, otherPlace, otherPath, none }.Distinct().Count());
        Assert.Equal(none, bare);
    }

    [Fact]
    public void Tags_IncludeTheWatermarkImagesOriginalAndFolders()
    {
        var request = new ImageRequest(new TransformOptions { Width = 10 }, new OriginalKey("acme", "photos/a.png", null), default, TimeSpan.FromHours(1))
        {
            Watermark = Logo,
        };

        Assert.Contains("o:acme/brand/logo.png", request.Tags);
        Assert.Contains("p:acme/brand/", request.Tags);
        Assert.Contains("o:acme/photos/a.png", request.Tags);
        Assert.Single(request.Tags, tag => tag == "t:acme");
    }

    private static string KeyOf(TransformOptions options, TenantWatermark? watermark, string? version) =>
        new ImageRequest(options, new OriginalKey("acme", "a.png", null), default, TimeSpan.FromHours(1))
        {
            Watermark = watermark,
            WatermarkImage = version is null ? null : new WatermarkImage(version, []),
        }.CacheKey;
}
