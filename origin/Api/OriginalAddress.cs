using EdgeImages.Origin.Http;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeImages.Origin.Api;

/// <summary>
/// The tenant and path of <c>/v1/{tenant}/{path}</c>, read from the request target exactly as sent (routing's
/// values are already decoded, which would hide an encoded <c>/</c> or <c>..</c>). The rules are the URL
/// contract's (shared/spec/url-format.md), checked by the SDK's <see cref="ImagePaths"/>, so whatever the edge accepts the
/// origin names the same way: a tenant is 1 to 63 of <c>[a-z0-9-]</c>; the path is percent-decoded as UTF-8, has
/// no empty, <c>.</c> or <c>..</c> segment, no <c>\</c>, no control character, no encoded <c>/</c>, and at most
/// 1024 bytes.
/// </summary>
internal readonly record struct OriginalAddress(string Tenant, string Path)
{
    public const int MaxPathBytes = ImagePaths.MaxPathBytes;
    private const string Prefix = "/v1/";

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
        if (ImagePaths.ValidateTenant(tenant) is { } error)
        {
            throw OriginProblemException.BadRequest(error.Detail);
        }
    }

    private static string Target(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return raw is not null && raw.StartsWith(Prefix, StringComparison.Ordinal)
            ? raw
            : context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
    }

    /// <summary>Percent-decodes and checks a wire path with the SDK's rules; null only for an empty one (every other failure throws 400).</summary>
    private static string? DecodePath(ReadOnlySpan<char> raw)
    {
        if (raw.IsEmpty)
        {
            return null;
        }

        return ImagePaths.Decode(raw, out var decoded) is { } error ? throw OriginProblemException.BadRequest(error.Detail) : decoded;
    }
}
