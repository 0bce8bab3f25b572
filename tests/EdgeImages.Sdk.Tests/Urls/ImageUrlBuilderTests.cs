using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Tests.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

public sealed class ImageUrlBuilderTests
{
    private static readonly SigningKey Key = TestKeys.Key("k1");
    private static readonly SigningKeyRing Ring = new([Key]);
    private static readonly ImageUrlBuilder Builder = new(Key);

    private static ImageUrl SplitVerifyParse(string rawPath)
    {
        var split = ImageUrl.SplitSignature(rawPath);
        Assert.True(split.IsSuccess);
        Assert.Null(SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, Ring));
        var url = ImageUrl.Parse(rawPath);
        Assert.True(url.IsSuccess, url.Error?.Detail);
        return url.Value;
    }

    [Fact]
    public void SpecVector_EncodedPath_MatchesSpecSignature()
    {
        var key = new SigningKey("2026a", "correct horse battery staple, but 32+ bytes long!!"u8, KeyTenants.Of("acme"));
        var options = new TransformOptions { Width = 640, Format = ImageFormat.Webp, Quality = 75 };

        // The builder writes canonical order (f, q, w), so its message differs from the spec's hand-written one;
        // the path encoding must match the spec byte for byte.
        var path = new ImageUrlBuilder(key).Build(options, "acme", "a b/café.png");

        Assert.EndsWith("/f:webp,q:75,w:640/acme/a%20b/caf%C3%A9.png", path, StringComparison.Ordinal);
        Assert.Equal(UrlSigner.Sign(key, "/f:webp,q:75,w:640/acme/a%20b/caf%C3%A9.png"), path.Split('/')[1]);
    }

    [Fact]
    public void Options_InAnyOrder_AreWrittenCanonically()
    {
        var path = Builder.Build(new TransformOptions { Width = 400, Height = 300, Fit = FitMode.Cover }, "acme", "photos/cat.jpg");

        Assert.Equal("/" + UrlSigner.Sign(Key, "/fit:cover,h:300,w:400/acme/photos/cat.jpg") + "/fit:cover,h:300,w:400/acme/photos/cat.jpg", path);
    }

    [Theory]
    [InlineData("cat.jpg", "cat.jpg")]
    [InlineData("a b/café.png", "a%20b/caf%C3%A9.png")]
    [InlineData("日本/猫.webp", "%E6%97%A5%E6%9C%AC/%E7%8C%AB.webp")]
    [InlineData("🐈.png", "%F0%9F%90%88.png")]
    [InlineData("a+b,c;d=e&f?g#h%i.jpg", "a%2Bb%2Cc%3Bd%3De%26f%3Fg%23h%25i.jpg")]
    [InlineData("keep-._~AZaz09", "keep-._~AZaz09")]
    [InlineData("...", "...")]
    public void Path_AnyValidText_EncodesAndRoundTrips(string path, string encoded)
    {
        var raw = Builder.Build(new TransformOptions { Width = 100 }, "acme", path);

        Assert.EndsWith("/acme/" + encoded, raw, StringComparison.Ordinal);
        var url = SplitVerifyParse(raw);
        Assert.Equal(path, url.Path);
        Assert.Equal(encoded, url.RawPath);
    }

    public static TheoryData<TransformOptions> ValidOptions => new()
    {
        TransformOptions.PassThrough,
        new TransformOptions { Width = 1 },
        new TransformOptions { Height = 8192 },
        new TransformOptions { Width = 2048, Dpr = 4 },
        new TransformOptions { Width = 400, Dpr = 1.25, ExpiresAt = 1_767_225_600 },
        new TransformOptions { Gravity = new Gravity(GravityKind.FocalPoint, 0.1, 0.9), Fit = FitMode.Cover, Width = 10, Height = 10 },
        new TransformOptions { Crop = new CropRect(0, 0, 1, 1), Rotate = 270, Flip = FlipMode.Both },
        new TransformOptions { Blur = 0.3, Sharpen = 10, Quality = 1, Format = ImageFormat.Png },
        new TransformOptions { Background = new RgbaColor(1, 2, 3, 4), Upscale = false, Version = "v_1-A", Preset = "thumb" },
        new TransformOptions { ExpiresAt = 0 },
    };

    [Theory]
    [MemberData(nameof(ValidOptions))]
    public void Options_Valid_RoundTripThroughUrl(TransformOptions options)
    {
        var url = SplitVerifyParse(Builder.Build(options, "acme", "x.jpg"));

        Assert.Equal(options, url.Options);
    }

    [Fact]
    public void BaseUri_Given_PrefixesSignedPath()
    {
        var url = Builder.Build(new Uri("https://img.example.com/"), TransformOptions.PassThrough, "acme", "a b.jpg");

        Assert.Equal("https://img.example.com" + Builder.Build(TransformOptions.PassThrough, "acme", "a b.jpg"), url);
        Assert.Contains("a%20b.jpg", url, StringComparison.Ordinal);
    }

    [Fact]
    public void BaseUri_WithPathPrefix_KeepsPrefixOutsideSignature()
    {
        var url = Builder.Build(new Uri("https://cdn.example.com/img"), TransformOptions.PassThrough, "acme", "a.jpg");

        Assert.StartsWith("https://cdn.example.com/img/k1.", url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://img.example.com/?a=1")]
    [InlineData("https://img.example.com/#x")]
    public void BaseUri_WithQueryOrFragment_Throws(string baseUri) =>
        Assert.Throws<ArgumentException>(() => Builder.Build(new Uri(baseUri), TransformOptions.PassThrough, "acme", "a.jpg"));

    [Theory]
    [InlineData("", "path is missing")]
    [InlineData("a//b", "path segments may not be empty")]
    [InlineData("a/", "path segments may not be empty")]
    [InlineData("../etc/passwd", "path segment '..' is not allowed")]
    [InlineData("a/./b", "path segment '.' is not allowed")]
    [InlineData("a\\b", "path may not contain '\\'")]
    [InlineData("a\u0000b", "path may not contain control characters")]
    [InlineData("a\u0085b", "path may not contain control characters")]
    [InlineData("a\u007Fb", "path may not contain control characters")]
    public void Path_Invalid_ThrowsWithParserDetail(string path, string detail)
    {
        var error = Assert.Throws<ArgumentException>(() => Builder.Build(TransformOptions.PassThrough, "acme", path));

        Assert.StartsWith(detail, error.Message, StringComparison.Ordinal);
        Assert.Equal("path", error.ParamName);
    }

    [Fact]
    public void Path_LoneSurrogate_Throws() =>
        Assert.Throws<ArgumentException>(() => Builder.Build(TransformOptions.PassThrough, "acme", "a\uD800b"));

    [Fact]
    public void Path_Over1024Bytes_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Builder.Build(TransformOptions.PassThrough, "acme", new string('é', 513)));

        Assert.StartsWith("path is longer than 1024 bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Acme")]
    [InlineData("a/b")]
    public void Tenant_Invalid_Throws(string tenant)
    {
        var error = Assert.Throws<ArgumentException>(() => Builder.Build(TransformOptions.PassThrough, tenant, "a.jpg"));

        Assert.StartsWith("tenant must be 1 to 63 characters of [a-z0-9-]", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<TransformOptions, string> InvalidOptions => new()
    {
        { new TransformOptions(), "options segment is empty" },
        { TransformOptions.PassThrough with { Width = 1 }, "pass-through options" },
        { new TransformOptions { Width = 0 }, "option 'w' must be" },
        { new TransformOptions { Height = 8193 }, "option 'h' must be" },
        { new TransformOptions { Dpr = 1.555 }, "option 'dpr' must be" },
        { new TransformOptions { Dpr = 0.5 }, "option 'dpr' must be" },
        { new TransformOptions { Dpr = double.NaN }, "option 'dpr' must be" },
        { new TransformOptions { Width = 4097, Dpr = 2 }, "option 'dpr' times" },
        { new TransformOptions { Fit = (FitMode)99 }, "option 'fit' must be" },
        { new TransformOptions { Gravity = new Gravity(GravityKind.FocalPoint, 1.5, 0) }, "option 'g' must be" },
        { new TransformOptions { Gravity = new Gravity((GravityKind)99) }, "option 'g' must be" },
        { new TransformOptions { Crop = new CropRect(-1, 0, 1, 1) }, "option 'crop' must be" },
        { new TransformOptions { Crop = new CropRect(0, 0, 0, 1) }, "option 'crop' must be" },
        { new TransformOptions { Rotate = 45 }, "option 'rot' must be" },
        { new TransformOptions { Flip = FlipMode.None }, "option 'flip' must be" },
        { new TransformOptions { Blur = 0.2 }, "option 'blur' must be" },
        { new TransformOptions { Sharpen = double.PositiveInfinity }, "option 'sharpen' must be" },
        { new TransformOptions { Quality = 0 }, "option 'q' must be" },
        { new TransformOptions { Format = (ImageFormat)9 }, "option 'f' must be" },
        { new TransformOptions { ExpiresAt = -1 }, "option 'exp' must be" },
        { new TransformOptions { Version = "a.b" }, "option 'v' must be" },
        { new TransformOptions { Preset = "" }, "option 'p' must be" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Options_Invalid_ThrowWithParserDetail(TransformOptions options, string detailStart)
    {
        var error = Assert.Throws<ArgumentException>(() => Builder.Build(options, "acme", "a.jpg"));

        Assert.StartsWith(detailStart, error.Message, StringComparison.Ordinal);
        Assert.Equal("options", error.ParamName);
    }

    [Fact]
    public void Key_NotActive_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new ImageUrlBuilder(TestKeys.Key("k1", SigningKeyState.VerifyOnly)));
}
