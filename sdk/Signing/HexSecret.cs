using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Signing;

/// <summary>Reads key secrets written as hex in configuration.</summary>
public static class HexSecret
{
    /// <summary>Decodes an even number of hex digits (either case) into bytes.</summary>
    /// <param name="hex">The hex text, without prefix, separators or whitespace.</param>
    /// <exception cref="FormatException">The text is empty, has odd length or a non-hex character. The message gives the
    /// position but never the character, since the text is a secret.</exception>
    public static byte[] Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, out var bytes, out var error))
        {
            throw new FormatException(error);
        }

        return bytes;
    }

    /// <summary>Decodes hex without throwing.</summary>
    /// <param name="hex">The hex text.</param>
    /// <param name="bytes">The decoded bytes when this returns true, else empty.</param>
    /// <param name="error">What is wrong when this returns false; never contains the secret's characters.</param>
    public static bool TryParse(ReadOnlySpan<char> hex, out byte[] bytes, out string? error)
    {
        bytes = [];
        error = null;
        if (hex.IsEmpty)
        {
            error = "secret is empty; expected hex digits";
            return false;
        }

        if (hex.Length % 2 != 0)
        {
            error = $"secret has {hex.Length} hex digits; expected an even number (two per byte)";
            return false;
        }

        var result = new byte[hex.Length / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var high = NumberSyntax.HexValue(hex[2 * i]);
            var low = NumberSyntax.HexValue(hex[(2 * i) + 1]);
            if (high < 0 || low < 0)
            {
                error = $"secret has a character that is not a hex digit at position {(high < 0 ? 2 * i : (2 * i) + 1)}";
                return false;
            }

            result[i] = (byte)((high << 4) | low);
        }

        bytes = result;
        return true;
    }
}
