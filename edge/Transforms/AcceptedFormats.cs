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
    public static AcceptedFormats None => default;

    public static AcceptedFormats FromAccept(StringValues accept)
    {
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
}
