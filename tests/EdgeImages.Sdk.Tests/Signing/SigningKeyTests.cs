using EdgeImages.Sdk.Signing;

namespace EdgeImages.Sdk.Tests.Signing;

public sealed class SigningKeyTests
{
    [Theory]
    [InlineData("k1")]
    [InlineData("2026a")]
    [InlineData("a")]
    [InlineData("abcdefghijklmnop")]
    [InlineData("key-0")]
    public void Id_Allowed_IsAccepted(string id) => Assert.Equal(id, TestKeys.Key(id).Id);

    [Theory]
    [InlineData("")]
    [InlineData("K1")]
    [InlineData("k.1")]
    [InlineData("k_1")]
    [InlineData("abcdefghijklmnopq")]
    public void Id_Disallowed_Throws(string id) => Assert.Throws<ArgumentException>(() => TestKeys.Key(id));

    [Fact]
    public void Id_ChangedWithWith_IsValidatedToo() =>
        Assert.Throws<ArgumentException>(() => TestKeys.Key("k1") with { Id = "BAD" });

    [Fact]
    public void Secret_ShorterThan16Bytes_Throws() => Assert.Throws<ArgumentException>(() => new SigningKey("k1", new byte[15], KeyTenants.AllTenants));

    [Fact]
    public void State_Undefined_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SigningKey("k1", new byte[16], KeyTenants.AllTenants, (SigningKeyState)7));

    [Fact]
    public void Secret_CallerBufferChanged_KeyUnaffected()
    {
        var secret = TestKeys.Secret(0);
        var key = new SigningKey("k1", secret, KeyTenants.AllTenants);

        secret[0] = 0xFF;

        Assert.Equal(0, key.Secret.Span[0]);
    }

    [Fact]
    public void ToString_Always_HidesSecret()
    {
        var text = TestKeys.Key("k1").ToString();

        Assert.Contains("k1", text, StringComparison.Ordinal);
        Assert.Contains("hidden", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_SameIdStateAndSecretBytes_AreEqual()
    {
        Assert.Equal(TestKeys.Key("k1"), TestKeys.Key("k1"));
        Assert.NotEqual(TestKeys.Key("k1"), TestKeys.Key("k1", seed: 1));
        Assert.NotEqual(TestKeys.Key("k1"), TestKeys.Key("k1", SigningKeyState.VerifyOnly));
    }

    [Fact]
    public void Ring_DuplicateIds_Throws() =>
        Assert.Throws<ArgumentException>(() => new SigningKeyRing([TestKeys.Key("k1"), TestKeys.Key("k1", seed: 1)]));

    [Fact]
    public void Ring_ById_FindsKeyFromSpanOrString()
    {
        var ring = new SigningKeyRing([TestKeys.Key("k1"), TestKeys.Key("k2", seed: 1)]);

        Assert.True(ring.TryGetKey("k2.mac".AsSpan(0, 2), out var fromSpan));
        Assert.Equal("k2", fromSpan.Id);
        Assert.True(ring.TryGetKey("k1", out _));
        Assert.False(ring.TryGetKey("k3", out _));
        Assert.Equal(2, ring.Keys.Count);
    }
}
