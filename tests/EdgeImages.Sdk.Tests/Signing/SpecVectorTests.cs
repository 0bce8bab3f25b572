using System.Text;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Signing;

/// <summary>The test vectors of /shared/spec/url-format.md, signed and verified, with k1 and 2026a bound to acme.</summary>
public sealed class SpecVectorTests
{
    private static readonly KeyTenants Acme = KeyTenants.Of("acme");

    public const string SequentialSecretHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    public const string AsciiSecret = "correct horse battery staple, but 32+ bytes long!!";

    public static TheoryData<string, string, string, string> Vectors => new()
    {
        { "k1", SequentialSecretHex, "/w:400,h:300,fit:cover/acme/photos/cat.jpg", "k1.3x20xJtCsdXzaQdSocihgA" },
        { "k1", SequentialSecretHex, "/-/acme/photos/cat.jpg", "k1.5NgTniDoyyLqlV9Miyoolg" },
        { "k1", SequentialSecretHex, "/h:300,w:400,fit:cover/acme/photos/cat.jpg", "k1.pcPft_RdzB41d7WzREaavA" },
        { "2026a", Convert.ToHexString(Encoding.ASCII.GetBytes(AsciiSecret)), "/w:640,f:webp,q:75/acme/a%20b/caf%C3%A9.png", "2026a.IveEuFDo9x5SALtycCeLVA" },
        { "k1", SequentialSecretHex, AnimWatermarkMessage, AnimWatermarkSignature },
        { "k1", SequentialSecretHex, JsonMessage, JsonSignature },
    };

    // Version 1.1's vectors for anim, wm and f:json.
    private const string AnimWatermarkMessage = "/w:320,f:avif,anim:0,wm:logo/acme/banners/sale.gif";
    private const string AnimWatermarkSignature = "k1._yot8NOg1J4eZT_1YTYh_w";
    private const string JsonMessage = "/w:640,f:json/acme/photos/cat.jpg";
    private const string JsonSignature = "k1.ZmLufyQx9R6rOrPeDZ1wSA";

    [Theory]
    [MemberData(nameof(Vectors))]
    public void SpecVector_Signed_MatchesSignature(string kid, string secretHex, string message, string signature)
    {
        var key = new SigningKey(kid, HexSecret.Parse(secretHex), Acme);

        Assert.Equal(signature, UrlSigner.Sign(key, message));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void SpecVector_KeyBoundToAcme_Verifies(string kid, string secretHex, string message, string signature)
    {
        var ring = new SigningKeyRing([new SigningKey(kid, HexSecret.Parse(secretHex), Acme)]);

        Assert.Null(SignatureVerifier.Verify(signature, message, ring));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void SpecVector_KeyBoundToAnotherTenant_ValidMacIs403KeyNotValidForTenant(string kid, string secretHex, string message, string signature)
    {
        var ring = new SigningKeyRing([new SigningKey(kid, HexSecret.Parse(secretHex), KeyTenants.Of("globex"))]);

        var error = SignatureVerifier.Verify(signature, message, ring);

        Assert.NotNull(error);
        Assert.Equal(UrlErrorKind.KeyNotValidForTenant, error.Kind);
        Assert.Equal(403, error.Status);
        Assert.Contains("not valid for this tenant", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void SpecVector_FullPath_SplitsVerifiesAndParses(string kid, string secretHex, string message, string signature)
    {
        var ring = new SigningKeyRing([new SigningKey(kid, HexSecret.Parse(secretHex), Acme)]);
        var rawPath = "/" + signature + message;

        var split = ImageUrl.SplitSignature(rawPath);
        Assert.True(split.IsSuccess);
        Assert.Null(SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, ring));

        var url = ImageUrl.Parse(rawPath);
        Assert.True(url.IsSuccess, url.Error?.Detail);
        Assert.Equal(signature, url.Value.Signature);
        Assert.Equal(message, url.Value.SignedMessage);
        Assert.Equal("acme", url.Value.Tenant);
    }

    [Fact]
    public void SpecVector_AnimAndWatermark_ParsedIntoTheirOptions()
    {
        var url = ImageUrl.Parse("/" + AnimWatermarkSignature + AnimWatermarkMessage);

        Assert.True(url.IsSuccess, url.Error?.Detail);
        Assert.False(url.Value.Options.EffectiveAnimate);
        Assert.Equal("logo", url.Value.Options.Watermark);
        Assert.Equal(ImageFormat.Avif, url.Value.Options.Format);
        Assert.Equal("anim:0,f:avif,w:320,wm:logo", CanonicalOptions.Format(url.Value.Options));
    }

    [Fact]
    public void SpecVector_Json_ParsedAsTheJsonFormat()
    {
        var url = ImageUrl.Parse("/" + JsonSignature + JsonMessage);

        Assert.True(url.IsSuccess, url.Error?.Detail);
        Assert.Equal(ImageFormat.Json, url.Value.Options.Format);
        Assert.Equal(640, url.Value.Options.Width);
    }

    [Fact]
    public void SpecVector_OrderOfOptions_SameCanonicalFormDifferentSignatures()
    {
        var a = ImageUrl.Parse("/k1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/cat.jpg");
        var b = ImageUrl.Parse("/k1.pcPft_RdzB41d7WzREaavA/h:300,w:400,fit:cover/acme/photos/cat.jpg");

        Assert.Equal(CanonicalOptions.Format(a.Value!.Options), CanonicalOptions.Format(b.Value!.Options));
        Assert.Equal("fit:cover,h:300,w:400", CanonicalOptions.Format(a.Value.Options));
        Assert.NotEqual(a.Value.Signature, b.Value.Signature);
    }

    [Fact]
    public void SpecVector_EncodedPath_DecodesToUnicode()
    {
        var url = ImageUrl.Parse("/2026a.IveEuFDo9x5SALtycCeLVA/w:640,f:webp,q:75/acme/a%20b/caf%C3%A9.png");

        Assert.Equal("a b/café.png", url.Value!.Path);
        Assert.Equal("a%20b/caf%C3%A9.png", url.Value.RawPath);
    }
}
