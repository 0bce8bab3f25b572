using System.Globalization;

namespace EdgeImages.Sdk.Urls;

/// <summary>
/// The number grammar of URL options: plain ASCII digits, optionally one '.' followed by digits. No sign, no
/// exponent, no whitespace, no thousands separators, so a value has one spelling family and culture never matters.
/// Leading zeros are accepted (the canonical form drops them, so they do not split the cache).
/// </summary>
internal static class NumberSyntax
{
    /// <summary>Parses digits into a value no greater than <paramref name="max"/>; false when empty, not digits or too big.</summary>
    public static bool TryParseInteger(ReadOnlySpan<char> text, long max, out long value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                value = 0;
                return false;
            }

            value = (value * 10) + (c - '0');
            if (value > max)
            {
                // Stops before overflow: max is at most long.MaxValue / 10 in practice, and any bigger number is out of range anyway.
                value = 0;
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses <c>digits[.digits]</c> with invariant culture; false when the text breaks that grammar.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        if (!IsDecimal(text, out _))
        {
            return false;
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Parses <c>digits[.d[d]]</c> into hundredths, exactly (no binary rounding), for <c>dpr</c>.
    /// False when the grammar breaks, there are more than two decimals, or the value exceeds <paramref name="maxHundredths"/>.
    /// </summary>
    public static bool TryParseHundredths(ReadOnlySpan<char> text, int maxHundredths, out int hundredths)
    {
        hundredths = 0;
        if (!IsDecimal(text, out var dot))
        {
            return false;
        }

        var integerPart = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? [] : text[(dot + 1)..];
        if (fraction.Length > 2 || !TryParseInteger(integerPart, maxHundredths / 100, out var whole))
        {
            return false;
        }

        long result = whole * 100;
        if (fraction.Length >= 1)
        {
            result += (fraction[0] - '0') * 10;
        }

        if (fraction.Length == 2)
        {
            result += fraction[1] - '0';
        }

        if (result > maxHundredths)
        {
            return false;
        }

        hundredths = (int)result;
        return true;
    }

    /// <summary>Writes a non-negative double in the shortest form that parses back to the same value, never with an exponent.</summary>
    public static string FormatDecimal(double value)
    {
        Span<char> buffer = stackalloc char[32];
        if (value.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture) && buffer[..written].IndexOfAny('E', 'e') < 0)
        {
            return new string(buffer[..written]);
        }

        // Only values below 1e-5 get here (e.g. a focal point of 0.000001). The option grammar has no exponent,
        // so find the fewest fixed decimals that still parse back to the same double.
        for (var decimals = 1; decimals <= 340; decimals++)
        {
            var text = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (double.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) == value)
            {
                return text;
            }
        }

        return value.ToString("F340", CultureInfo.InvariantCulture);
    }

    /// <summary>Writes hundredths as the shortest decimal: 150 is "1.5", 200 is "2", 125 is "1.25".</summary>
    public static string FormatHundredths(int hundredths)
    {
        var whole = hundredths / 100;
        var fraction = hundredths % 100;
        return fraction == 0
            ? whole.ToString(CultureInfo.InvariantCulture)
            : fraction % 10 == 0
                ? string.Create(CultureInfo.InvariantCulture, $"{whole}.{fraction / 10}")
                : string.Create(CultureInfo.InvariantCulture, $"{whole}.{fraction:00}");
    }

    /// <summary>The value of one hex digit, either case; -1 for anything else.</summary>
    public static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool IsDecimal(ReadOnlySpan<char> text, out int dot)
    {
        dot = text.IndexOf('.');
        var integerPart = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? [] : text[(dot + 1)..];
        return !integerPart.IsEmpty
            && !integerPart.ContainsAnyExceptInRange('0', '9')
            && (dot < 0 || (!fraction.IsEmpty && !fraction.ContainsAnyExceptInRange('0', '9')));
    }
}
