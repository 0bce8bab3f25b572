using System.Buffers;
using System.Text;
using System.Text.Unicode;
using EdgeImages.Origin.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeImages.Origin.Api;

/// <summary>
/// The tenant and path of <c>/v1/{tenant}/{path}</c>, read from the request target exactly as sent (routing's
/// values are already decoded, which would hide an encoded <c>/</c> or <c>..</c>). The rules are the URL
/// contract's (shared/spec/url-format.md), the same the SDK's PathRules enforce, so whatever the edge accepts the
/// origin names the same way: a tenant is 1 to 63 of <c>[a-z0-9-]</c>; the path is percent-decoded as UTF-8, has
/// no empty, <c>.</c> or <c>..</c> segment, no <c>\</c>, no control character, no encoded <c>/</c>, and at most
/// 1024 bytes.
/// </summary>
internal readonly record struct OriginalAddress(string Tenant, string Path)
{
    public const int MaxPathBytes = 1024;
    private const string Prefix = "/v1/";

    private static readonly SearchValues<char> TenantChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>The path as a URL path, each segment percent-encoded (RFC 3986 unreserved characters kept).</summary>
    public string EncodedPath => string.Join('/', Path.Split('/').Select(Uri.EscapeDataString));

    /// <summary>The tenant segment as sent, unchecked: enough to compare with a key's tenant before anything else is looked at.</summary>
    public static string RawTenant(HttpContext context)
    {
        var target = Target(context);
        var end = target.IndexOfAny(['/', '?'], Prefix.Length);
        return end < 0 ? target[Prefix.Length..] : target[Prefix.Length..end];
    }

    public static OriginalAddress Parse(HttpContext context)
    {
        var target = Target(context);
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target.AsSpan(Prefix.Length) : target.AsSpan(Prefix.Length, query - Prefix.Length);
        var slash = path.IndexOf('/');
        var tenant = slash < 0 ? path : path[..slash];
        CheckTenant(tenant);
        if (slash < 0 || DecodePath(path[(slash + 1)..]) is not { } decoded)
        {
            throw OriginProblemException.BadRequest("path is missing");
        }

        return new OriginalAddress(tenant.ToString(), decoded);
    }

    public static void CheckTenant(ReadOnlySpan<char> tenant)
    {
        if (tenant.Length is < 1 or > 63 || tenant.ContainsAnyExcept(TenantChars))
        {
            throw OriginProblemException.BadRequest("tenant must be 1 to 63 characters of [a-z0-9-]");
        }
    }

    private static string Target(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return raw is not null && raw.StartsWith(Prefix, StringComparison.Ordinal)
            ? raw
            : context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
    }

    /// <summary>Percent-decodes and checks a wire path; null only for an empty one (every other failure throws 400).</summary>
    private static string? DecodePath(ReadOnlySpan<char> raw)
    {
        if (raw.IsEmpty)
        {
            return null;
        }

        // A raw path over three times the limit cannot decode to fewer bytes than the limit.
        if (raw.Length > 3 * MaxPathBytes)
        {
            throw TooLong();
        }

        Span<byte> buffer = stackalloc byte[MaxPathBytes + 4];
        var length = 0;
        var segmentStart = 0;
        for (var i = 0; i <= raw.Length; i++)
        {
            if (i == raw.Length || raw[i] == '/')
            {
                CheckSegment(buffer[segmentStart..length]);
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
                if (i + 2 >= raw.Length || (high = HexValue(raw[i + 1])) < 0 || (low = HexValue(raw[i + 2])) < 0)
                {
                    throw OriginProblemException.BadRequest("path has an invalid percent-escape");
                }

                var b = (byte)((high << 4) | low);
                if (b == '/')
                {
                    throw OriginProblemException.BadRequest("path segment may not contain an encoded '/' (%2F)");
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
                if (Rune.DecodeFromUtf16(raw[i..], out var rune, out var consumed) != OperationStatus.Done)
                {
                    throw OriginProblemException.BadRequest("path is not valid UTF-8");
                }

                if (length + rune.Utf8SequenceLength > MaxPathBytes)
                {
                    throw TooLong();
                }

                length += rune.EncodeToUtf8(buffer[length..]);
                i += consumed - 1;
            }

            if (length > MaxPathBytes)
            {
                throw TooLong();
            }
        }

        var decoded = Encoding.UTF8.GetString(buffer[..length]);
        if (decoded.Any(char.IsControl))
        {
            throw OriginProblemException.BadRequest("path may not contain control characters");
        }

        return decoded;
    }

    private static void CheckSegment(ReadOnlySpan<byte> segment)
    {
        if (segment.IsEmpty)
        {
            throw OriginProblemException.BadRequest("path segments may not be empty");
        }

        if (segment is [(byte)'.'] or [(byte)'.', (byte)'.'])
        {
            throw OriginProblemException.BadRequest("path segments '.' and '..' are not allowed");
        }

        if (segment.Contains((byte)'\\'))
        {
            throw OriginProblemException.BadRequest("path may not contain '\\'");
        }

        if (!Utf8.IsValid(segment))
        {
            throw OriginProblemException.BadRequest("path is not valid UTF-8");
        }
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static OriginProblemException TooLong() => OriginProblemException.BadRequest($"path is longer than {MaxPathBytes} bytes");
}
