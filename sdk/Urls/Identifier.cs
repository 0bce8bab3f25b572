namespace EdgeImages.Sdk.Urls;

/// <summary>
/// The one id syntax of EdgeImages: lowercase ASCII letters, digits and '-', from one character up to a length that
/// depends on what is named. Tenants, key ids, preset names, regions, PoPs and edge ids all use it, so that an id is
/// safe in a URL segment, an etcd key and a file name without escaping.
/// </summary>
public static class Identifier
{
    /// <summary>The characters, as written in error messages.</summary>
    public const string Characters = "[a-z0-9-]";

    /// <summary>Tenants, and the ids of regions, PoPs and edges: at most 63 characters (a DNS label).</summary>
    public const int MaxLength = 63;

    /// <summary>Signing key ids, which every signature carries: at most 16 characters.</summary>
    public const int MaxKeyIdLength = 16;

    /// <summary>Preset names (<c>p:</c>): at most 32 characters.</summary>
    public const int MaxPresetLength = 32;

    /// <summary>True when <paramref name="text"/> is 1 to <paramref name="maxLength"/> characters of <c>[a-z0-9-]</c>.</summary>
    /// <param name="text">The candidate id.</param>
    /// <param name="maxLength">The most characters allowed for this kind of id.</param>
    public static bool IsValid(ReadOnlySpan<char> text, int maxLength = MaxLength) =>
        text.Length >= 1 && text.Length <= maxLength && !text.ContainsAnyExcept(Charsets.LowerAlnumDash);
}
