using EdgeImages.Sdk.Signing;

namespace EdgeImages.Sdk.Tests.Signing;

public sealed class UrlSignerTests
{
    [Theory]
    [InlineData(SigningKeyState.VerifyOnly)]
    [InlineData(SigningKeyState.Retired)]
    public void Key_NotActive_RefusesToSign(SigningKeyState state) =>
        Assert.Throws<ArgumentException>(() => UrlSigner.Sign(TestKeys.Key("k1", state), "/-/acme/cat.jpg"));

    [Fact]
    public void Signature_Always_IsKidDotTwentyTwoBase64UrlCharacters()
    {
        var signature = UrlSigner.Sign(TestKeys.Key("k1"), "/-/acme/cat.jpg");

        Assert.Matches("^k1\\.[A-Za-z0-9_-]{22}$", signature);
    }
}
