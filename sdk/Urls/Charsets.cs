using System.Buffers;

namespace EdgeImages.Sdk.Urls;

/// <summary>Character sets of the URL format, vectorised once.</summary>
internal static class Charsets
{
    /// <summary>Ids (<see cref="Identifier"/>): <c>[a-z0-9-]</c>.</summary>
    public static readonly SearchValues<char> LowerAlnumDash = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>Source versions: <c>[A-Za-z0-9_-]</c>, which is also the base64url alphabet.</summary>
    public static readonly SearchValues<char> Version =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>The base64url alphabet of MACs; the same set as <see cref="Version"/>.</summary>
    public static readonly SearchValues<char> Base64Url = Version;

    /// <summary>RFC 3986 unreserved characters, the only ones a path segment keeps unescaped when built.</summary>
    public static readonly SearchValues<char> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");
}
