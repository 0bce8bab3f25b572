namespace EdgeImages.Sdk.Urls;

/// <summary>
/// The tenant and path rules of URL format version 1, for services that name originals the way image URLs do
/// (the origin's API, purge requests), so that what the edge accepts every other service names the same way.
/// </summary>
public static class ImagePaths
{
    /// <summary>The most UTF-8 bytes a decoded path may have.</summary>
    public const int MaxPathBytes = PathRules.MaxPathBytes;

    /// <summary>Checks a tenant: 1 to 63 characters of <c>[a-z0-9-]</c>. Null when valid.</summary>
    /// <param name="tenant">The tenant as written.</param>
    public static UrlError? ValidateTenant(ReadOnlySpan<char> tenant) => PathRules.ValidateTenant(tenant);

    /// <summary>
    /// Percent-decodes a path as sent on the wire (segments joined by '/') as UTF-8 and checks every rule: no
    /// empty, <c>.</c> or <c>..</c> segment, no control character or <c>\</c>, no encoded <c>/</c>, at most
    /// <see cref="MaxPathBytes"/> bytes. Null when valid, with the decoded path in <paramref name="decoded"/>.
    /// </summary>
    /// <param name="raw">The still-encoded path, without a leading '/'.</param>
    /// <param name="decoded">The decoded path, segments joined by '/'; empty on failure.</param>
    public static UrlError? Decode(ReadOnlySpan<char> raw, out string decoded) => PathRules.Decode(raw, out decoded);
}
