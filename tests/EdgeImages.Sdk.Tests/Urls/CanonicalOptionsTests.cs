using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

public sealed class CanonicalOptionsTests
{
    private static TransformOptions Parse(string segment)
    {
        var result = OptionsParser.Parse(segment);
        Assert.True(result.IsSuccess, result.Error?.Detail);
        return result.Value;
    }

    [Fact]
    public void PassThrough_Formatted_IsDash() => Assert.Equal("-", CanonicalOptions.Format(TransformOptions.PassThrough));

    [Theory]
    [InlineData("w:400,h:300", "h:300,w:400")]
    [InlineData("h:300,w:400", "h:300,w:400")]
    [InlineData("w:0400", "w:400")]
    [InlineData("dpr:1.50", "dpr:1.5")]
    [InlineData("dpr:2.00", "dpr:2")]
    [InlineData("dpr:1.05", "dpr:1.05")]
    [InlineData("bg:FFAA00", "bg:ffaa00")]
    [InlineData("bg:FFAA00FF", "bg:ffaa00")]
    [InlineData("bg:ffaa0080", "bg:ffaa0080")]
    [InlineData("blur:1.50", "blur:1.5")]
    [InlineData("blur:007", "blur:7")]
    [InlineData("sharpen:0.30", "sharpen:0.3")]
    [InlineData("g:fp:0.50:1.0", "g:fp:0.5:1")]
    [InlineData("g:fp:0.000001:0", "g:fp:0.000001:0")]
    [InlineData("rot:090", "rot:90")]
    [InlineData("up:0", "up:0")]
    [InlineData("crop:01:2:3:4", "crop:1:2:3:4")]
    [InlineData("f:auto", "f:auto")]
    [InlineData("w:400,exp:1767225600", "w:400")]
    [InlineData("exp:1767225600", "f:auto")]
    [InlineData(
        "w:400,v:abc,up:1,sharpen:1,rot:90,q:80,p:thumb,h:300,g:n,flip:h,fit:cover,f:webp,exp:1,dpr:2,crop:0:0:9:9,blur:2,bg:000000",
        "bg:000000,blur:2,crop:0:0:9:9,dpr:2,f:webp,fit:cover,flip:h,g:n,h:300,p:thumb,q:80,rot:90,sharpen:1,up:1,v:abc,w:400")]
    public void Options_AnyOrderOrSpelling_HaveOneCanonicalForm(string segment, string canonical) =>
        Assert.Equal(canonical, CanonicalOptions.Format(Parse(segment)));

    [Theory]
    [InlineData("-")]
    [InlineData("w:400")]
    [InlineData("h:300,w:400,fit:cover")]
    [InlineData("dpr:1.25,w:100")]
    [InlineData("g:fp:0.333333:0.1")]
    [InlineData("g:fp:0.1234567890123456789:1")]
    [InlineData("g:fp:0.0000000000000000001:1")]
    [InlineData("blur:99.99999999999")]
    [InlineData("bg:01020304,crop:5:6:7:8,flip:v,rot:270,q:1,f:png,up:0,v:X_-y,p:p-1,sharpen:9.9")]
    [InlineData("g:smart,fit:outside")]
    public void Canonical_ParsedAgain_EqualsOriginal(string segment)
    {
        var options = Parse(segment);

        Assert.Equal(options, Parse(CanonicalOptions.Format(options)));
    }

    [Theory]
    [InlineData("exp:1767225600,w:400")]
    [InlineData("exp:0")]
    public void CanonicalForUrl_WithExpiry_RoundTrips(string segment)
    {
        var options = Parse(segment);

        var text = CanonicalOptions.FormatForUrl(options);

        Assert.Contains("exp:", text, StringComparison.Ordinal);
        Assert.Equal(options, Parse(text));
    }

    [Fact]
    public void Expiry_Differing_SharesCacheKey() =>
        Assert.Equal(CanonicalOptions.Format(Parse("w:1,exp:1")), CanonicalOptions.Format(Parse("exp:2,w:1")));

    [Theory]
    [InlineData("v:a,w:1", "v:b,w:1")]
    [InlineData("p:a,w:1", "p:b,w:1")]
    [InlineData("w:1", "w:1,rot:0")]
    public void VersionPresetOrExplicitDefault_Differing_SeparatesCacheKey(string a, string b) =>
        Assert.NotEqual(CanonicalOptions.Format(Parse(a)), CanonicalOptions.Format(Parse(b)));
}
