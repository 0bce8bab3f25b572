using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// What <c>Accept</c> says about the two formats <c>f:auto</c> negotiates: each counts only when named explicitly
/// with a non-zero quality. <c>image/*</c> and <c>*/*</c> promise nothing (browsers that cannot decode AVIF send
/// them too), and <c>q=0</c> refuses.
/// </summary>
/// <param name="Avif">Whether <c>Accept</c> names <c>image/avif</c>.</param>
/// <param name="Webp">Whether <c>Accept</c> names <c>image/webp</c>.</param>
internal readonly record struct AcceptedFormats(bool Avif, bool Webp)
{
    [ThreadStatic]
    private static LastRead? t_lastRead;

    public static AcceptedFormats None => default;

    public static AcceptedFormats FromAccept(StringValues accept)
    {
        // Every request reads it, hits included, and a browser sends the same string every time: the last one read on
        // this thread is compared (a vectorised equality, a fraction of a parse) before anything is parsed.
        if (accept.Count == 1 && accept[0] is { } header)
        {
            if (t_lastRead is { } last && string.Equals(last.Header, header, StringComparison.Ordinal))
            {
                return last.Formats;
            }

            // The common shape (tokens, ';q=' numbers) is read from the span without allocating; anything else (quoted
            // strings, odd spacing, several headers) takes the full parser.
            if (TryReadSimple(header.AsSpan(), out var simple))
            {
                t_lastRead = new LastRead(header, simple);
                return simple;
            }
        }

        if (!MediaTypeHeaderValue.TryParseList(accept, out var mediaTypes))
        {
            return None;
        }

        return new AcceptedFormats(Names(mediaTypes, "image/avif"), Names(mediaTypes, "image/webp"));
    }

    /// <summary>
    /// The part of the cache key the negotiation used. Both flags, always: which of them decides depends on the
    /// result (an animated or transparent source goes another way than a photo), which is not known before the
    /// lookup, so clients that could get different formats never share an entry.
    /// </summary>
    public string CacheKeySuffix => (Avif, Webp) switch
    {
        (true, true) => "|avif+webp",
        (true, false) => "|avif",
        (false, true) => "|webp",
        _ => "|neither",
    };

    /// <summary>
    /// <c>type/subtype[;name=value]*</c> items separated by commas, every part a plain token and every <c>q</c> a plain
    /// number, with the same rule as <see cref="Names"/>: named with a non-zero quality, and a refusal wins.
    /// </summary>
    internal static bool TryReadSimple(ReadOnlySpan<char> header, out AcceptedFormats accepted)
    {
        accepted = None;
        if (header.IsEmpty)
        {
            return false;
        }

        int avif = 0, webp = 0; // 0: not named, 1: named, -1: refused
        foreach (var range in header.Split(','))
        {
            var item = header[range].Trim(' ');
            var semicolon = item.IndexOf(';');
            var mediaType = (semicolon < 0 ? item : item[..semicolon]).TrimEnd(' ');
            var slash = mediaType.IndexOf('/');
            if (slash <= 0 || !IsToken(mediaType[..slash]) || !IsToken(mediaType[(slash + 1)..]))
            {
                return false;
            }

            double quality = 1;
            var parameters = semicolon < 0 ? ReadOnlySpan<char>.Empty : item[(semicolon + 1)..];
            foreach (var parameterRange in parameters.Split(';'))
            {
                if (semicolon < 0)
                {
                    break; // Splitting nothing still yields one empty part.
                }

                var parameter = parameters[parameterRange].Trim(' ');
                var equals = parameter.IndexOf('=');
                if (equals <= 0 || !IsToken(parameter[..equals]) || !IsToken(parameter[(equals + 1)..]))
                {
                    return false;
                }

                if (parameter[..equals].Equals("q", StringComparison.OrdinalIgnoreCase)
                    && !double.TryParse(parameter[(equals + 1)..], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out quality))
                {
                    return false;
                }
            }

            if (mediaType.Equals("image/avif", StringComparison.OrdinalIgnoreCase))
            {
                avif = avif < 0 || quality <= 0 ? -1 : 1;
            }
            else if (mediaType.Equals("image/webp", StringComparison.OrdinalIgnoreCase))
            {
                webp = webp < 0 || quality <= 0 ? -1 : 1;
            }
        }

        accepted = new AcceptedFormats(avif > 0, webp > 0);
        return true;
    }

    // RFC 9110 §5.6.2 tchar.
    private static bool IsToken(ReadOnlySpan<char> value) =>
        !value.IsEmpty && !value.ContainsAnyExcept(TokenChars);

    private static readonly System.Buffers.SearchValues<char> TokenChars =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static bool Names(IList<MediaTypeHeaderValue> mediaTypes, string mediaType)
    {
        // The highest-precedence entry for the type decides: "image/avif;q=0, image/avif" is contradictory, and a
        // refusal anywhere wins, since serving a format the client said it cannot take is the worse failure.
        var named = false;
        foreach (var media in mediaTypes)
        {
            if (media.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
            {
                if ((media.Quality ?? 1) <= 0)
                {
                    return false;
                }

                named = true;
            }
        }

        return named;
    }

    private sealed record LastRead(string Header, AcceptedFormats Formats);
}
