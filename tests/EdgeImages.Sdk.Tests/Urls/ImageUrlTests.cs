using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

public sealed class ImageUrlTests
{
    private const string Sig = "/k1.AAAAAAAAAAAAAAAAAAAAAA";

    private static UrlError ParseError(string rawPath)
    {
        var result = ImageUrl.Parse(rawPath);
        Assert.False(result.IsSuccess, $"'{rawPath}' parsed");
        return result.Error!;
    }

    [Fact]
    public void Path_WellFormed_ExposesEveryPart()
    {
        var result = ImageUrl.Parse(Sig + "/w:400/acme/photos/2024/a%20b.jpg");

        Assert.True(result.IsSuccess, result.Error?.Detail);
        var url = result.Value;
        Assert.Equal("k1.AAAAAAAAAAAAAAAAAAAAAA", url.Signature);
        Assert.Equal("/w:400/acme/photos/2024/a%20b.jpg", url.SignedMessage);
        Assert.Equal(400, url.Options.Width);
        Assert.Equal("acme", url.Tenant);
        Assert.Equal("photos/2024/a b.jpg", url.Path);
        Assert.Equal("photos/2024/a%20b.jpg", url.RawPath);
    }

    [Theory]
    [InlineData("/k1.x/-/acme/cat.jpg", "k1.x", "/-/acme/cat.jpg")]
    [InlineData("/w:400/acme/cat.jpg", "w:400", "/acme/cat.jpg")]
    [InlineData("/sig/", "sig", "/")]
    public void Split_SignatureThenSlash_CutsAtFirstSegment(string rawPath, string signature, string message)
    {
        var split = ImageUrl.SplitSignature(rawPath);

        Assert.True(split.IsSuccess);
        Assert.Equal(signature, split.Value.Signature.ToString());
        Assert.Equal(message, split.Value.SignedMessage.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("//w:400/acme/cat.jpg")]
    [InlineData("/k1.abc")]
    [InlineData("k1.abc/w:400/acme/cat.jpg")]
    public void Split_NoSignatureSegment_IsSignatureMissing(string rawPath)
    {
        var split = ImageUrl.SplitSignature(rawPath);

        Assert.False(split.IsSuccess);
        Assert.Equal(UrlErrorKind.SignatureMissing, split.Error!.Kind);
        Assert.Equal(403, split.Error.Status);
        Assert.Equal(UrlErrorKind.SignatureMissing, ParseError(rawPath).Kind);
    }

    [Theory]
    [InlineData(Sig + "/w:0/acme/cat.jpg", UrlErrorKind.InvalidOptions)]
    [InlineData(Sig + "//acme/cat.jpg", UrlErrorKind.InvalidOptions)]
    [InlineData(Sig + "/w:400", UrlErrorKind.InvalidTenant)]
    [InlineData(Sig + "/w:400/", UrlErrorKind.InvalidTenant)]
    [InlineData(Sig + "/w:400//cat.jpg", UrlErrorKind.InvalidTenant)]
    [InlineData(Sig + "/w:400/acme", UrlErrorKind.InvalidPath)]
    [InlineData(Sig + "/w:400/acme/", UrlErrorKind.InvalidPath)]
    public void Structure_MissingPart_IsRejectedWithItsKind(string rawPath, UrlErrorKind kind)
    {
        var error = ParseError(rawPath);

        Assert.Equal(kind, error.Kind);
        Assert.Equal(400, error.Status);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("acme-2")]
    [InlineData("0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxy")]
    public void Tenant_Allowed_IsAccepted(string tenant) =>
        Assert.Equal(tenant, ImageUrl.Parse($"{Sig}/-/{tenant}/cat.jpg").Value!.Tenant);

    [Theory]
    [InlineData("Acme")]
    [InlineData("ac_me")]
    [InlineData("ac.me")]
    [InlineData("ac%20me")]
    [InlineData("acmé")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0")]
    public void Tenant_Disallowed_IsInvalidTenant(string tenant)
    {
        var error = ParseError($"{Sig}/-/{tenant}/cat.jpg");

        Assert.Equal(UrlErrorKind.InvalidTenant, error.Kind);
        Assert.Equal("tenant must be 1 to 63 characters of [a-z0-9-]", error.Detail);
    }

    [Theory]
    [InlineData("cat.jpg", "cat.jpg")]
    [InlineData("a/b/c.png", "a/b/c.png")]
    [InlineData("caf%C3%A9.png", "café.png")]
    [InlineData("caf%c3%a9.png", "café.png")]
    [InlineData("%F0%9F%90%88.png", "🐈.png")]
    [InlineData("a%2Eb", "a.b")]
    [InlineData("...", "...")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("a:b,c;d=e@f!$&'()*+", "a:b,c;d=e@f!$&'()*+")]
    [InlineData("caf\u00e9.png", "café.png")]
    public void Path_Allowed_IsDecoded(string rawPath, string expected)
    {
        var result = ImageUrl.Parse($"{Sig}/-/acme/{rawPath}");

        Assert.True(result.IsSuccess, result.Error?.Detail);
        Assert.Equal(expected, result.Value.Path);
        Assert.Equal(rawPath, result.Value.RawPath);
    }

    [Theory]
    [InlineData("a%2Fb.jpg", "path segment may not contain an encoded '/' (%2F)")]
    [InlineData("a%2fb.jpg", "path segment may not contain an encoded '/' (%2F)")]
    [InlineData("../secret", "path segment '..' is not allowed")]
    [InlineData("a/../b", "path segment '..' is not allowed")]
    [InlineData("a/%2E%2E/b", "path segment '..' is not allowed")]
    [InlineData("./a", "path segment '.' is not allowed")]
    [InlineData("a/%2e", "path segment '.' is not allowed")]
    [InlineData("a//b", "path segments may not be empty")]
    [InlineData("a/", "path segments may not be empty")]
    [InlineData("/a", "path segments may not be empty")]
    [InlineData("a%00b", "path may not contain control characters")]
    [InlineData("a%0Ab", "path may not contain control characters")]
    [InlineData("a%1Fb", "path may not contain control characters")]
    [InlineData("a%7Fb", "path may not contain control characters")]
    [InlineData("a%C2%85b", "path may not contain control characters")]
    [InlineData("a%C2%9Fb", "path may not contain control characters")]
    [InlineData("a\tb", "path may not contain control characters")]
    [InlineData("a\\b", "path may not contain '\\'")]
    [InlineData("a%5Cb", "path may not contain '\\'")]
    [InlineData("%C3%28.png", "path is not valid UTF-8")]
    [InlineData("%C3", "path is not valid UTF-8")]
    [InlineData("%ED%A0%80", "path is not valid UTF-8")]
    [InlineData("%C0%AF", "path is not valid UTF-8")]
    [InlineData("%zz.png", "path has an invalid percent-escape")]
    [InlineData("a%4", "path has an invalid percent-escape")]
    [InlineData("a%", "path has an invalid percent-escape")]
    [InlineData("a%%41", "path has an invalid percent-escape")]
    public void Path_Unsafe_IsInvalidPath(string rawPath, string detail)
    {
        var error = ParseError($"{Sig}/-/acme/{rawPath}");

        Assert.Equal(UrlErrorKind.InvalidPath, error.Kind);
        Assert.Equal(400, error.Status);
        Assert.Equal(detail, error.Detail);
    }

    [Fact]
    public void Path_RawLoneSurrogate_IsInvalidPath()
    {
        // Not an InlineData row: xunit's serialisation would replace the lone surrogate before the test sees it.
        var error = ParseError(Sig + "/-/acme/a\uD800b");

        Assert.Equal("path is not valid UTF-8", error.Detail);
    }

    [Theory]
    [InlineData(1024, true)]
    [InlineData(1025, false)]
    public void Path_ByLength_IsLimitedTo1024Bytes(int bytes, bool accepted)
    {
        var rawPath = "a/" + new string('b', bytes - 2);

        Assert.Equal(accepted, ImageUrl.Parse($"{Sig}/-/acme/{rawPath}").IsSuccess);
    }

    [Theory]
    [InlineData(341, true)]
    [InlineData(342, false)]
    public void Path_EncodedMultibyte_CountsDecodedBytes(int characters, bool accepted)
    {
        // "é" is two bytes and six characters on the wire; 341 * 3 + 1 = 1024 bytes, 342 * 3 + 1 = 1027.
        var rawPath = "x" + string.Concat(Enumerable.Repeat("%E2%82%AC", characters));

        var result = ImageUrl.Parse($"{Sig}/-/acme/{rawPath}");

        Assert.Equal(accepted, result.IsSuccess);
        if (!accepted)
        {
            Assert.Equal("path is longer than 1024 bytes", result.Error!.Detail);
        }
    }

    [Fact]
    public void Path_HugeRawInput_IsRejectedNotThrown()
    {
        var error = ParseError($"{Sig}/-/acme/" + new string('a', 100_000));

        Assert.Equal("path is longer than 1024 bytes", error.Detail);
    }

    [Fact]
    public void Order_BadOptionsAndBadPath_ReportsOptionsFirst()
    {
        Assert.Equal(UrlErrorKind.InvalidOptions, ParseError($"{Sig}/zz:1/ACME/../x").Kind);
    }
}
