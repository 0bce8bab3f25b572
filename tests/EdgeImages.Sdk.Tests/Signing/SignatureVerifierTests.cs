using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Signing;

public sealed class SignatureVerifierTests
{
    private const string Message = "/w:400/acme/cat.jpg";

    private static readonly SigningKeyRing Ring = new(
    [
        TestKeys.Key("k1"),
        TestKeys.Key("old", SigningKeyState.VerifyOnly, seed: 1),
        TestKeys.Key("dead", SigningKeyState.Retired, seed: 2),
    ]);

    private static string SignWith(string id, byte seed) => UrlSigner.Sign(TestKeys.Key(id, seed: seed), Message);

    [Fact]
    public void Signature_ByActiveKey_Verifies() => Assert.Null(SignatureVerifier.Verify(SignWith("k1", 0), Message, Ring));

    [Fact]
    public void Signature_ByVerifyOnlyKey_Verifies() => Assert.Null(SignatureVerifier.Verify(SignWith("old", 1), Message, Ring));

    [Fact]
    public void Verified_NamesTheRingsKeyObject()
    {
        Assert.Null(SignatureVerifier.Verify(SignWith("old", 1), Message, Ring, out var verifiedBy));

        Assert.True(Ring.TryGetKey("old", out var held));
        Assert.Same(held, verifiedBy);
    }

    [Fact]
    public void WrongMac_NamesNoKey()
    {
        Assert.NotNull(SignatureVerifier.Verify(SignWith("k1", 9), Message, Ring, out var verifiedBy));

        Assert.Null(verifiedBy);
    }

    [Fact]
    public void GenuineMacOfKeyBoundElsewhere_NamesNoKey()
    {
        // The same secret, bound to another tenant than the message's: the signer refuses to sign with it, so sign unbound.
        var bound = new SigningKey("k1", TestKeys.Secret(0), KeyTenants.Of("globex"));

        var error = SignatureVerifier.Verify(SignWith("k1", 0), Message, new SigningKeyRing([bound]), out var verifiedBy);

        Assert.Equal(UrlErrorKind.KeyNotValidForTenant, error!.Kind);
        Assert.Null(verifiedBy);
    }

    [Fact]
    public void Signature_ByRetiredKey_IsUnknownKey()
    {
        var error = SignatureVerifier.Verify(SignWith("dead", 2), Message, Ring);

        Assert.Equal(UrlErrorKind.UnknownKey, error!.Kind);
        Assert.Equal(403, error.Status);
        Assert.Contains("retired", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Signature_ByKeyNotInRing_IsUnknownKey()
    {
        var error = SignatureVerifier.Verify(SignWith("k9", 0), Message, Ring);

        Assert.Equal(UrlErrorKind.UnknownKey, error!.Kind);
        Assert.Equal("signing key 'k9' is unknown", error.Detail);
    }

    [Theory]
    [InlineData("/w:401/acme/cat.jpg")]
    [InlineData("/w:400/acme/cat.jpeg")]
    [InlineData("/w:400/acme/cat.jpg/")]
    [InlineData("/w:400/acme/c%61t.jpg")]
    [InlineData("")]
    public void Message_Altered_IsMismatch(string tampered)
    {
        var error = SignatureVerifier.Verify(SignWith("k1", 0), tampered, Ring);

        Assert.Equal(UrlErrorKind.SignatureMismatch, error!.Kind);
        Assert.Equal(403, error.Status);
        Assert.Equal("signature does not match the URL", error.Detail);
    }

    [Fact]
    public void Signature_ByOtherSecretUnderSameId_IsMismatch() =>
        Assert.Equal(UrlErrorKind.SignatureMismatch, SignatureVerifier.Verify(SignWith("k1", 9), Message, Ring)!.Kind);

    [Fact]
    public void Mac_OneCharacterChanged_IsMismatchWithoutBytesInDetail()
    {
        var good = SignWith("k1", 0);
        var bad = good[..3] + (good[3] == 'A' ? 'B' : 'A') + good[4..];

        var error = SignatureVerifier.Verify(bad, Message, Ring)!;

        Assert.Equal(UrlErrorKind.SignatureMismatch, error.Kind);
        Assert.DoesNotContain(good[3..], error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("w:400")]
    [InlineData("k1")]
    [InlineData("k1.")]
    [InlineData(".AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("K1.AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("k_1.AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("abcdefghijklmnopq.AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAA+A")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAA/A")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAAAB")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAAA.")]
    [InlineData("k1.AAAAAAAAAAA.AAAAAAAAAA")]
    [InlineData("k1.AAAAAAAAAAAAAAAAAAAA%41")]
    public void Signature_NotKidDotMac_IsMalformed(string signature)
    {
        var error = SignatureVerifier.Verify(signature, Message, Ring);

        Assert.Equal(UrlErrorKind.SignatureMalformed, error!.Kind);
        Assert.Equal(403, error.Status);
    }

    [Fact]
    public void Mac_NonZeroTrailingBits_IsMalformedNotAlternateSpelling()
    {
        var good = SignWith("k1", 0);
        var last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".IndexOf(good[^1], StringComparison.Ordinal);
        var alternate = good[..^1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last | 1];

        Assert.Equal(UrlErrorKind.SignatureMalformed, SignatureVerifier.Verify(alternate, Message, Ring)!.Kind);
    }

    [Fact]
    public void Path_WithoutSignature_IsMalformedAfterSplit()
    {
        var split = ImageUrl.SplitSignature("/w:400/acme/cat.jpg");

        var error = SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, Ring);

        Assert.Equal(UrlErrorKind.SignatureMalformed, error!.Kind);
    }

    [Fact]
    public void Message_LongerThanStackBuffer_StillVerifies()
    {
        var message = "/-/acme/" + new string('a', 5000);
        var signature = UrlSigner.Sign(TestKeys.Key("k1"), message);

        Assert.Null(SignatureVerifier.Verify(signature, message, Ring));
    }

    [Fact]
    public void Message_NonAscii_IsSignedAsUtf8()
    {
        var message = "/-/acme/café.png";
        var signature = UrlSigner.Sign(TestKeys.Key("k1"), message);

        Assert.Null(SignatureVerifier.Verify(signature, message, Ring));
        Assert.NotNull(SignatureVerifier.Verify(signature, "/-/acme/caf%C3%A9.png", Ring));
    }
}
