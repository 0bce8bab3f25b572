using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("a", 1)]
    [InlineData("acme-2", 63)]
    [InlineData("0-9", 3)]
    [InlineData("-", 1)]
    public void Identifier_LowerAlnumDashWithinLength_IsValid(string text, int maxLength) => Assert.True(Identifier.IsValid(text, maxLength));

    [Theory]
    [InlineData("", 63)]
    [InlineData("Acme", 63)]
    [InlineData("a_b", 63)]
    [InlineData("a.b", 63)]
    [InlineData("é", 63)]
    [InlineData("ab", 1)]
    public void Identifier_OtherCharacterOrTooLong_IsInvalid(string text, int maxLength) => Assert.False(Identifier.IsValid(text, maxLength));

    [Fact]
    public void Identifier_DefaultLength_IsADnsLabel()
    {
        Assert.True(Identifier.IsValid(new string('a', 63)));
        Assert.False(Identifier.IsValid(new string('a', 64)));
    }
}
