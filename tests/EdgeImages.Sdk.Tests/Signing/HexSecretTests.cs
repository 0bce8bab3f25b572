using EdgeImages.Sdk.Signing;

namespace EdgeImages.Sdk.Tests.Signing;

public sealed class HexSecretTests
{
    [Theory]
    [InlineData("00ff", new byte[] { 0x00, 0xFF })]
    [InlineData("DEADbeef", new byte[] { 0xDE, 0xAD, 0xBE, 0xEF })]
    public void Hex_Valid_IsDecoded(string hex, byte[] expected) => Assert.Equal(expected, HexSecret.Parse(hex));

    [Theory]
    [InlineData("", "secret is empty; expected hex digits")]
    [InlineData("abc", "secret has 3 hex digits; expected an even number (two per byte)")]
    [InlineData("zz00", "secret has a character that is not a hex digit at position 0")]
    [InlineData("00 1", "secret has a character that is not a hex digit at position 2")]
    [InlineData("0x00", "secret has a character that is not a hex digit at position 1")]
    [InlineData("00-1", "secret has a character that is not a hex digit at position 2")]
    public void Hex_Invalid_ThrowsWithPositionNotCharacter(string hex, string message)
    {
        var error = Assert.Throws<FormatException>(() => HexSecret.Parse(hex));

        Assert.Equal(message, error.Message);
    }
}
