namespace EdgeImages.Sdk.Urls;

/// <summary>What part of an image URL was rejected; decides the HTTP status.</summary>
public enum UrlErrorKind
{
    /// <summary>The options segment breaks the grammar or a range (400).</summary>
    InvalidOptions,
    /// <summary>The tenant segment is missing or not 1 to 63 characters of <c>[a-z0-9-]</c> (400).</summary>
    InvalidTenant,
    /// <summary>The path is missing, badly encoded, too long or names something unsafe (400).</summary>
    InvalidPath,
    /// <summary>The request path has no signature segment at all (403).</summary>
    SignatureMissing,
    /// <summary>The first segment is not <c>kid.mac</c> with a valid key id and a 22-character base64url MAC (403).</summary>
    SignatureMalformed,
    /// <summary>No key with that id can verify: it does not exist or is retired (403).</summary>
    UnknownKey,
    /// <summary>The MAC does not match the message under the named key (403).</summary>
    SignatureMismatch,
    /// <summary>The MAC matches, but the key is not bound to the URL's tenant (403): one tenant's key never reads another's.</summary>
    KeyNotValidForTenant,
    /// <summary>The URL carries <c>exp</c> and that instant has passed (403).</summary>
    Expired,
}

/// <summary>
/// A rejected image URL: the kind, a message that is safe to show to the client (it never echoes secrets,
/// and request text only when it has been checked to be short and printable), and the HTTP status to answer with.
/// </summary>
/// <param name="Kind">Which check failed.</param>
/// <param name="Detail">Public text for the <c>detail</c> member of the problem body.</param>
public sealed record UrlError(UrlErrorKind Kind, string Detail)
{
    /// <summary>400 for malformed options, tenant or path; 403 for every signature and expiry failure.</summary>
    public int Status => Kind switch
    {
        UrlErrorKind.InvalidOptions or UrlErrorKind.InvalidTenant or UrlErrorKind.InvalidPath => 400,
        _ => 403,
    };

    internal static UrlError Options(string detail) => new(UrlErrorKind.InvalidOptions, detail);

    internal static UrlError Tenant(string detail) => new(UrlErrorKind.InvalidTenant, detail);

    internal static UrlError PathError(string detail) => new(UrlErrorKind.InvalidPath, detail);

    /// <summary>
    /// Request text fit to quote in a detail: at most 32 printable ASCII characters, anything else replaced by
    /// <c>?</c>, so that a problem body can never carry markup, control characters or a long echo of the request.
    /// </summary>
    internal static string Quote(ReadOnlySpan<char> text)
    {
        const int Max = 32;
        var length = Math.Min(text.Length, Max);
        Span<char> buffer = stackalloc char[Max + 3];
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            buffer[i] = c is > ' ' and < '\x7f' and not ('\'' or '"' or '\\' or '<' or '>' or '&') ? c : '?';
        }

        if (text.Length <= Max)
        {
            return new string(buffer[..length]);
        }

        "...".AsSpan().CopyTo(buffer[Max..]);
        return new string(buffer);
    }
}
