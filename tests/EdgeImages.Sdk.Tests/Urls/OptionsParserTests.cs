using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

public sealed class OptionsParserTests
{
    private static TransformOptions ParseOk(string segment)
    {
        var result = OptionsParser.Parse(segment);
        Assert.True(result.IsSuccess, result.Error?.Detail);
        return result.Value;
    }

    private static UrlError ParseError(string segment)
    {
        var result = OptionsParser.Parse(segment);
        Assert.False(result.IsSuccess, $"'{segment}' parsed");
        Assert.Equal(UrlErrorKind.InvalidOptions, result.Error!.Kind);
        Assert.Equal(400, result.Error.Status);
        return result.Error;
    }

    /// <summary>Refused, and by the rule named: the detail says which rule fired, not only that one did.</summary>
    private static void AssertRefusedBy(string segment, string detail) => Assert.Equal(detail, ParseError(segment).Detail);

    [Fact]
    public void Dash_Alone_IsPassThrough()
    {
        Assert.Same(TransformOptions.PassThrough, ParseOk("-"));
    }

    [Theory]
    [InlineData("w:1", 1)]
    [InlineData("w:400", 400)]
    [InlineData("w:8192", 8192)]
    [InlineData("w:0400", 400)]
    public void Width_InRange_IsParsed(string segment, int expected) => Assert.Equal(expected, ParseOk(segment).Width);

    [Theory]
    [InlineData("h:1", 1)]
    [InlineData("h:8192", 8192)]
    public void Height_InRange_IsParsed(string segment, int expected) => Assert.Equal(expected, ParseOk(segment).Height);

    [Theory]
    [InlineData("dpr:1", 1.0)]
    [InlineData("dpr:1.5", 1.5)]
    [InlineData("dpr:1.50", 1.5)]
    [InlineData("dpr:2.25", 2.25)]
    [InlineData("dpr:4", 4.0)]
    [InlineData("dpr:4.00", 4.0)]
    [InlineData("w:2048,dpr:4", 4.0)]
    [InlineData("h:4096,dpr:2", 2.0)]
    public void Dpr_InRange_IsParsed(string segment, double expected) => Assert.Equal(expected, ParseOk(segment).Dpr);

    [Theory]
    [InlineData("fit:cover", FitMode.Cover)]
    [InlineData("fit:contain", FitMode.Contain)]
    [InlineData("fit:fill", FitMode.Fill)]
    [InlineData("fit:inside", FitMode.Inside)]
    [InlineData("fit:outside", FitMode.Outside)]
    public void Fit_Known_IsParsed(string segment, FitMode expected) => Assert.Equal(expected, ParseOk(segment).Fit);

    [Theory]
    [InlineData("g:center", GravityKind.Center)]
    [InlineData("g:n", GravityKind.North)]
    [InlineData("g:s", GravityKind.South)]
    [InlineData("g:e", GravityKind.East)]
    [InlineData("g:w", GravityKind.West)]
    [InlineData("g:ne", GravityKind.NorthEast)]
    [InlineData("g:nw", GravityKind.NorthWest)]
    [InlineData("g:se", GravityKind.SouthEast)]
    [InlineData("g:sw", GravityKind.SouthWest)]
    [InlineData("g:smart", GravityKind.Smart)]
    public void Gravity_Named_IsParsed(string segment, GravityKind expected) =>
        Assert.Equal(new Gravity(expected), ParseOk(segment).Gravity);

    [Theory]
    [InlineData("g:fp:0:0", 0.0, 0.0)]
    [InlineData("g:fp:1:1", 1.0, 1.0)]
    [InlineData("g:fp:0.25:0.75", 0.25, 0.75)]
    [InlineData("g:fp:1.0:0.000001", 1.0, 0.000001)]
    public void Gravity_FocalPointInUnitSquare_IsParsed(string segment, double x, double y) =>
        Assert.Equal(new Gravity(GravityKind.FocalPoint, x, y), ParseOk(segment).Gravity);

    [Theory]
    [InlineData("crop:0:0:1:1", 0, 0, 1, 1)]
    [InlineData("crop:10:20:300:400", 10, 20, 300, 400)]
    [InlineData("crop:2147483647:0:2147483647:1", int.MaxValue, 0, int.MaxValue, 1)]
    public void Crop_Valid_IsParsed(string segment, int x, int y, int w, int h) =>
        Assert.Equal(new CropRect(x, y, w, h), ParseOk(segment).Crop);

    [Theory]
    [InlineData("rot:0", 0)]
    [InlineData("rot:90", 90)]
    [InlineData("rot:180", 180)]
    [InlineData("rot:270", 270)]
    public void Rotate_RightAngle_IsParsed(string segment, int expected) => Assert.Equal(expected, ParseOk(segment).Rotate);

    [Theory]
    [InlineData("flip:h", FlipMode.Horizontal)]
    [InlineData("flip:v", FlipMode.Vertical)]
    [InlineData("flip:hv", FlipMode.Both)]
    public void Flip_Known_IsParsed(string segment, FlipMode expected) => Assert.Equal(expected, ParseOk(segment).Flip);

    [Theory]
    [InlineData("blur:0.3", 0.3)]
    [InlineData("blur:2", 2.0)]
    [InlineData("blur:100", 100.0)]
    [InlineData("blur:100.0", 100.0)]
    public void Blur_InRange_IsParsed(string segment, double expected) => Assert.Equal(expected, ParseOk(segment).Blur);

    [Theory]
    [InlineData("sharpen:0.3", 0.3)]
    [InlineData("sharpen:1.25", 1.25)]
    [InlineData("sharpen:10", 10.0)]
    public void Sharpen_InRange_IsParsed(string segment, double expected) => Assert.Equal(expected, ParseOk(segment).Sharpen);

    [Theory]
    [InlineData("q:1", 1)]
    [InlineData("q:75", 75)]
    [InlineData("q:100", 100)]
    public void Quality_InRange_IsParsed(string segment, int expected) => Assert.Equal(expected, ParseOk(segment).Quality);

    [Theory]
    [InlineData("f:jpeg", ImageFormat.Jpeg)]
    [InlineData("f:png", ImageFormat.Png)]
    [InlineData("f:webp", ImageFormat.Webp)]
    [InlineData("f:auto", ImageFormat.Auto)]
    [InlineData("f:avif", ImageFormat.Avif)]
    [InlineData("f:gif", ImageFormat.Gif)]
    public void Format_Known_IsParsed(string segment, ImageFormat expected) => Assert.Equal(expected, ParseOk(segment).Format);

    [Theory]
    [InlineData("bg:ffffff", 255, 255, 255, 255)]
    [InlineData("bg:FF8000", 255, 128, 0, 255)]
    [InlineData("bg:00000000", 0, 0, 0, 0)]
    [InlineData("bg:10203040", 16, 32, 48, 64)]
    [InlineData("bg:aBcDeF80", 171, 205, 239, 128)]
    public void Background_Hex_IsParsed(string segment, int r, int g, int b, int a) =>
        Assert.Equal(new RgbaColor((byte)r, (byte)g, (byte)b, (byte)a), ParseOk(segment).Background);

    [Theory]
    [InlineData("up:0", false)]
    [InlineData("up:1", true)]
    public void Upscale_Flag_IsParsed(string segment, bool expected) => Assert.Equal(expected, ParseOk(segment).Upscale);

    [Theory]
    [InlineData("exp:0", 0L)]
    [InlineData("exp:1767225600", 1767225600L)]
    [InlineData("exp:922337203685477580", 922337203685477580L)]
    public void Expiry_UnixSeconds_IsParsed(string segment, long expected) => Assert.Equal(expected, ParseOk(segment).ExpiresAt);

    [Theory]
    [InlineData("v:1")]
    [InlineData("v:AbC_-09")]
    [InlineData("v:0123456789012345678901234567890123456789012345678901234567890123")]
    public void Version_Allowed_IsParsed(string segment) => Assert.Equal(segment[2..], ParseOk(segment).Version);

    [Theory]
    [InlineData("p:a")]
    [InlineData("p:thumb-2x")]
    [InlineData("p:01234567890123456789012345678901")]
    public void Preset_Allowed_IsParsed(string segment) => Assert.Equal(segment[2..], ParseOk(segment).Preset);

    [Fact]
    public void AllOptions_Together_AreParsed()
    {
        var options = ParseOk("w:400,h:300,dpr:2,fit:contain,g:fp:0.5:0.25,crop:1:2:3:4,rot:90,flip:hv,blur:1.5,sharpen:0.5,q:80,f:webp,bg:ff000080,up:1,exp:2000000000,v:abc,p:thumb");

        Assert.Equal(
            new TransformOptions
            {
                Width = 400,
                Height = 300,
                Dpr = 2,
                Fit = FitMode.Contain,
                Gravity = new Gravity(GravityKind.FocalPoint, 0.5, 0.25),
                Crop = new CropRect(1, 2, 3, 4),
                Rotate = 90,
                Flip = FlipMode.Both,
                Blur = 1.5,
                Sharpen = 0.5,
                Quality = 80,
                Format = ImageFormat.Webp,
                Background = new RgbaColor(255, 0, 0, 128),
                Upscale = true,
                ExpiresAt = 2000000000,
                Version = "abc",
                Preset = "thumb",
            },
            options);
    }

    [Theory]
    [InlineData("zz:1", "unknown option 'zz'")]
    [InlineData("W:400", "unknown option 'W'")]
    [InlineData("width:400", "unknown option 'width'")]
    [InlineData("w:400,x:1", "unknown option 'x'")]
    [InlineData(":400", "option name is empty")]
    [InlineData("::::", "option name is empty")]
    [InlineData("w", "option 'w' needs a value, as w:value")]
    [InlineData("\0", "unknown option '?'")]
    [InlineData("--", "unknown option '--'")]
    [InlineData("-,w:1", "unknown option '-'")]
    public void Name_UnknownOrMissing_IsRejected(string segment, string detail) => AssertRefusedBy(segment, detail);

    [Fact]
    public void Name_LongOrHostile_IsQuotedSafely()
    {
        var detail = ParseError("<script>alert(1)</script>" + new string('a', 100) + ":1").Detail;

        Assert.StartsWith("unknown option '?script?alert(1)?/script?", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("<", detail, StringComparison.Ordinal);
        Assert.True(detail.Length < 70, detail);
    }

    [Theory]
    [InlineData("w:1,w:2", "w")]
    [InlineData("w:1,h:2,w:1", "w")]
    [InlineData("exp:1,exp:1", "exp")]
    [InlineData("g:n,g:s", "g")]
    public void Name_Repeated_IsRejected(string segment, string name) =>
        AssertRefusedBy(segment, $"option '{name}' is given twice");

    [Theory]
    [InlineData("", "options segment is empty; use '-' for no transformation")]
    [InlineData(",", "options list has an empty item")]
    [InlineData("w:1,,h:2", "options list has an empty item")]
    [InlineData("w:1,", "options list has an empty item")]
    [InlineData(",w:1", "options list has an empty item")]
    public void List_EmptyOrEmptyItem_IsRejected(string segment, string detail) => AssertRefusedBy(segment, detail);

    /// <summary>A comma always ends an item, so a decimal comma or a grouped number is never read as one value.</summary>
    [Theory]
    [InlineData("dpr:1,5", "unknown option '5'")]
    [InlineData("w:1,000", "unknown option '000'")]
    [InlineData("g:fp:0,5:0,5", "option 'g' must be center, n, s, e, w, ne, nw, se, sw, smart or fp:X:Y with X and Y from 0 to 1")]
    public void Value_WithComma_EndsTheItem(string segment, string detail) => AssertRefusedBy(segment, detail);

    [Theory]
    [InlineData("w:0")]
    [InlineData("w:8193")]
    [InlineData("w:99999999999999999999999")]
    [InlineData("w:")]
    [InlineData("w:-1")]
    [InlineData("w:+1")]
    [InlineData("w:1.0")]
    [InlineData("w:1e3")]
    [InlineData("w: 1")]
    [InlineData("w:1 ")]
    [InlineData("w:0x10")]
    [InlineData("w:１")]
    [InlineData("w:٣")]
    [InlineData("w:1\0")]
    [InlineData("w:%34%30%30")]
    [InlineData("w::1")]
    public void Width_OutOfRangeOrMalformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Width.Rule);

    [Theory]
    [InlineData("h:0")]
    [InlineData("h:8193")]
    [InlineData("h:abc")]
    public void Height_OutOfRangeOrMalformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Height.Rule);

    [Theory]
    [InlineData("dpr:0")]
    [InlineData("dpr:0.99")]
    [InlineData("dpr:4.01")]
    [InlineData("dpr:5")]
    [InlineData("dpr:1.555")]
    [InlineData("dpr:1.")]
    [InlineData("dpr:.5")]
    [InlineData("dpr:1e0")]
    [InlineData("dpr:-1")]
    [InlineData("dpr:")]
    public void Dpr_OutOfRangeOrMalformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Dpr.Rule);

    [Theory]
    [InlineData("w:4097,dpr:2")]
    [InlineData("h:2049,dpr:4")]
    [InlineData("dpr:1.01,w:8192")]
    public void Dpr_ProductOver8192_IsRejected(string segment) =>
        AssertRefusedBy(segment, "option 'dpr' times 'w' or 'h' must not exceed 8192");

    [Theory]
    [InlineData("fit:Cover")]
    [InlineData("fit:crop")]
    [InlineData("fit:")]
    public void Fit_Unknown_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Fit.Rule);

    [Theory]
    [InlineData("g:north")]
    [InlineData("g:N")]
    [InlineData("g:")]
    [InlineData("g:fp")]
    [InlineData("g:fp:")]
    [InlineData("g:fp:0.5")]
    [InlineData("g:fp:0.5:")]
    [InlineData("g:fp:0.5:0.5:0.5")]
    [InlineData("g:fp:1.01:0")]
    [InlineData("g:fp:0:2")]
    [InlineData("g:fp:-0.1:0")]
    [InlineData("g:fp:.5:0")]
    [InlineData("g:fp:1e-1:0")]
    [InlineData("g:fp:a:b")]
    public void Gravity_Malformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Gravity.Rule);

    [Theory]
    [InlineData("crop:0:0:0:1")]
    [InlineData("crop:0:0:1:0")]
    [InlineData("crop:-1:0:1:1")]
    [InlineData("crop:0:0:1")]
    [InlineData("crop:0:0:1:1:1")]
    [InlineData("crop:0:0:1:")]
    [InlineData("crop:::")]
    [InlineData("crop:0:0:2147483648:1")]
    [InlineData("crop:a:0:1:1")]
    public void Crop_Malformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Crop.Rule);

    [Theory]
    [InlineData("rot:45")]
    [InlineData("rot:360")]
    [InlineData("rot:-90")]
    [InlineData("rot:")]
    public void Rotate_NotRightAngle_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Rotate.Rule);

    [Theory]
    [InlineData("flip:vh")]
    [InlineData("flip:x")]
    [InlineData("flip:H")]
    [InlineData("flip:")]
    public void Flip_Unknown_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Flip.Rule);

    [Theory]
    [InlineData("blur:0.29")]
    [InlineData("blur:0")]
    [InlineData("blur:100.01")]
    [InlineData("blur:1e1")]
    [InlineData("blur:NaN")]
    [InlineData("blur:Infinity")]
    public void Blur_OutOfRangeOrMalformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Blur.Rule);

    [Theory]
    [InlineData("sharpen:0.2")]
    [InlineData("sharpen:10.5")]
    [InlineData("sharpen:")]
    public void Sharpen_OutOfRangeOrMalformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Sharpen.Rule);

    [Theory]
    [InlineData("q:0")]
    [InlineData("q:101")]
    [InlineData("q:high")]
    public void Quality_OutOfRangeOrMalformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Quality.Rule);

    [Theory]
    [InlineData("f:jpg")]
    [InlineData("f:jsonp")]
    [InlineData("f:JPEG")]
    public void Format_Unknown_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Format.Rule);

    [Theory]
    [InlineData("bg:fff")]
    [InlineData("bg:fffffff")]
    [InlineData("bg:fffffffff")]
    [InlineData("bg:gggggg")]
    [InlineData("bg:#ffffff")]
    [InlineData("bg:")]
    public void Background_Malformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Background.Rule);

    [Theory]
    [InlineData("up:2")]
    [InlineData("up:true")]
    [InlineData("up:")]
    public void Upscale_NotFlag_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Upscale.Rule);

    [Theory]
    [InlineData("exp:-1")]
    [InlineData("exp:1.5")]
    [InlineData("exp:99999999999999999999")]
    [InlineData("exp:")]
    public void Expiry_Malformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Expiry.Rule);

    [Theory]
    [InlineData("v:")]
    [InlineData("v:a.b")]
    [InlineData("v:a b")]
    [InlineData("v:01234567890123456789012345678901234567890123456789012345678901234")]
    public void Version_Malformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Version.Rule);

    [Theory]
    [InlineData("p:")]
    [InlineData("p:Thumb")]
    [InlineData("p:a_b")]
    [InlineData("p:012345678901234567890123456789012")]
    public void Preset_Malformed_IsRejected(string segment) => AssertRefusedBy(segment, UrlOptions.Preset.Rule);

    [Theory]
    [InlineData("w:100,h:50")]
    [InlineData("fit:cover,f:webp,q:70")]
    public void Preset_TransformOptionsOnly_IsAccepted(string segment) => Assert.True(OptionsParser.ParsePreset(segment).IsSuccess);

    [Theory]
    [InlineData("-", "a preset holds transformation options only (no '-', exp, p or v)")]
    [InlineData("w:100,exp:1", "a preset holds transformation options only (no '-', exp, p or v)")]
    [InlineData("w:100,p:thumb", "a preset holds transformation options only (no '-', exp, p or v)")]
    [InlineData("w:100,v:abc", "a preset holds transformation options only (no '-', exp, p or v)")]
    [InlineData("w:100,w:1", "option 'w' is given twice")]
    public void Preset_AddressAdmissionOrMalformed_IsRejected(string segment, string detail) =>
        Assert.Equal(detail, OptionsParser.ParsePreset(segment).Error?.Detail);

    [Theory]
    [InlineData("p:big,dpr:2", "w:5000", false)]
    [InlineData("p:big,h:4097", "dpr:2", false)]
    [InlineData("p:big,dpr:2", "w:4096", true)]
    [InlineData("p:big,w:100", "dpr:4", true)]
    public void CheckTogether_UrlMergedWithPreset_HoldsTheDprProductAcrossBoth(string url, string preset, bool holds)
    {
        var merged = TransformOptions.Parse(url).WithPreset(TransformOptions.Parse(preset));

        Assert.Equal(holds ? null : UrlOptions.DprProductRule, OptionsParser.CheckTogether(merged)?.Detail);
    }

    public static TheoryData<TransformOptions, string> UnwritableOptions => new()
    {
        { new TransformOptions { Version = "a,b" }, "option 'v' must be" },
        { new TransformOptions { Preset = "x,w:5" }, "option 'p' must be" },
        { new TransformOptions { Dpr = 1.555 }, "option 'dpr' must be" },
        { new TransformOptions { Fit = (FitMode)99 }, "option 'fit' must be" },
        { new TransformOptions { Flip = FlipMode.None }, "option 'flip' must be" },
        { new TransformOptions { Blur = double.NaN }, "option 'blur' must be" },
        { new TransformOptions { Width = 0, Height = 0 }, "option 'h' must be" },
        { new TransformOptions { Width = 4097, Dpr = 2 }, "option 'dpr' times" },
    };

    /// <summary>Validation is the parse of the canonical form, item by item first: a value the URL cannot carry is
    /// refused with its own option's rule (the first in canonical order), never with a list error or silently rounded.</summary>
    [Theory]
    [MemberData(nameof(UnwritableOptions))]
    public void Validate_ValueTheUrlCannotCarry_NamesItsOption(TransformOptions options, string detailStart) =>
        Assert.StartsWith(detailStart, OptionsParser.Validate(options)?.Detail, StringComparison.Ordinal);

    [Fact]
    public void Validate_NamedGravityWithFocalPoint_IsValidAndWrittenByName()
    {
        var options = new TransformOptions { Gravity = new Gravity(GravityKind.North, 0.1, 0.2) };

        Assert.Null(OptionsParser.Validate(options));
        Assert.Equal("g:n", CanonicalOptions.FormatForUrl(options));
    }
}
