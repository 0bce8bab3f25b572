using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace EdgeImages.Sdk.Urls;

/// <summary>The tenant and path rules of the URL format, shared by the parser and the builder so they cannot drift.</summary>
internal static class PathRules
{
    public const int MaxTenantLength = Identifier.MaxLength;
    public const int MaxPathBytes = 1024;
    public const string TenantRule = "tenant must be 1 to 63 characters of [a-z0-9-]";

    public static UrlError? ValidateTenant(ReadOnlySpan<char> tenant) =>
        Identifier.IsValid(tenant, MaxTenantLength)
            ? null
            : UrlError.Tenant(TenantRule);

    /// <summary>
    /// Percent-decodes a wire path (segments joined by '/') as UTF-8 and checks every rule; the decoded path on success.
    /// Works in one stack buffer: the limit is on decoded bytes, and a raw path over three times the limit cannot decode
    /// to fewer, so longer input is refused before any work.
    /// </summary>
    public static UrlError? Decode(ReadOnlySpan<char> raw, out string decoded)
    {
        decoded = string.Empty;
        if (raw.IsEmpty)
        {
            return UrlError.PathError("path is missing");
        }

        if (raw.Length > 3 * MaxPathBytes)
        {
            return TooLong();
        }

        Span<byte> buffer = stackalloc byte[MaxPathBytes + 4];
        var length = 0;
        var segmentStart = 0;
        for (var i = 0; i <= raw.Length; i++)
        {
            if (i == raw.Length || raw[i] == '/')
            {
                if (CheckSegment(buffer[segmentStart..length]) is { } error)
                {
                    return error;
                }

                if (i < raw.Length)
                {
                    buffer[length++] = (byte)'/';
                    segmentStart = length;
                }

                continue;
            }

            var c = raw[i];
            if (c == '%')
            {
                int high, low;
                if (i + 2 >= raw.Length || (high = NumberSyntax.HexValue(raw[i + 1])) < 0 || (low = NumberSyntax.HexValue(raw[i + 2])) < 0)
                {
                    return UrlError.PathError("path has an invalid percent-escape");
                }

                var b = (byte)((high << 4) | low);
                if (b == '/')
                {
                    return UrlError.PathError("path segment may not contain an encoded '/' (%2F)");
                }

                buffer[length++] = b;
                i += 2;
            }
            else if (c < 0x80)
            {
                buffer[length++] = (byte)c;
            }
            else
            {
                // Not valid on the wire, but a front end may hand over raw UTF-16; encode it rather than guess.
                if (Rune.DecodeFromUtf16(raw[i..], out var rune, out var consumed) != OperationStatus.Done)
                {
                    return UrlError.PathError("path is not valid UTF-8");
                }

                if (length + rune.Utf8SequenceLength > MaxPathBytes)
                {
                    return TooLong();
                }

                length += rune.EncodeToUtf8(buffer[length..]);
                i += consumed - 1;
            }

            if (length > MaxPathBytes)
            {
                return TooLong();
            }
        }

        var bytes = buffer[..length];
        decoded = Encoding.UTF8.GetString(bytes);
        foreach (var ch in decoded)
        {
            if (char.IsControl(ch))
            {
                decoded = string.Empty;
                return UrlError.PathError("path may not contain control characters");
            }
        }

        return null;
    }

    /// <summary>Percent-encodes one decoded segment: RFC 3986 unreserved characters kept, every other UTF-8 byte as %XX.</summary>
    public static void AppendEncodedSegment(StringBuilder builder, ReadOnlySpan<char> segment)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var index = 0;
        while (index < segment.Length)
        {
            var next = segment[index..].IndexOfAnyExcept(Charsets.Unreserved);
            if (next < 0)
            {
                builder.Append(segment[index..]);
                return;
            }

            builder.Append(segment.Slice(index, next));
            index += next;
            if (Rune.DecodeFromUtf16(segment[index..], out var rune, out var consumed) != OperationStatus.Done)
            {
                throw new ArgumentException("path is not valid UTF-16 (a lone surrogate)", nameof(segment));
            }

            var count = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..count])
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }

            index += consumed;
        }
    }

    private const string HexUpper = "0123456789ABCDEF";

    private static UrlError? CheckSegment(ReadOnlySpan<byte> segment)
    {
        if (segment.IsEmpty)
        {
            return UrlError.PathError("path segments may not be empty");
        }

        if (segment is [(byte)'.'])
        {
            return UrlError.PathError("path segment '.' is not allowed");
        }

        if (segment is [(byte)'.', (byte)'.'])
        {
            return UrlError.PathError("path segment '..' is not allowed");
        }

        if (segment.Contains((byte)'\\'))
        {
            return UrlError.PathError("path may not contain '\\'");
        }

        if (!Utf8.IsValid(segment))
        {
            return UrlError.PathError("path is not valid UTF-8");
        }

        return null;
    }

    private static UrlError TooLong() => UrlError.PathError("path is longer than 1024 bytes");
}
