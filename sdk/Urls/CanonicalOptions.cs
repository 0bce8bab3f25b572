using System.Globalization;
using System.Runtime.CompilerServices;

namespace EdgeImages.Sdk.Urls;

/// <summary>
/// Writes options in the one spelling used for cache keys and by builders: names in alphabetical order (the order of
/// <see cref="UrlOptions.All"/>), each value as its descriptor writes it: numbers without
/// leading zeros or trailing decimal zeros, <c>bg</c> in lowercase hex (alpha only when not opaque). Two URLs that
/// differ only in option order or spelling get the same form, hence one cache entry.
/// </summary>
/// <remarks>
/// Explicit defaults (<c>rot:0</c>, <c>f:auto</c>, <c>dpr:1</c>) are kept, not dropped: with a preset (<c>p</c>) an
/// explicit default overrides the preset's value, so it can change the output. The price is a few duplicate entries
/// for URLs that spell a default without a preset.
/// </remarks>
public static class CanonicalOptions
{
    /// <summary>
    /// The canonical form for the cache key. <c>exp</c> is left out on purpose: it decides whether a request is served,
    /// not what is served, so URLs that differ only in expiry share one entry. <c>v</c> and <c>p</c> are kept because
    /// they do change the bytes. <c>OptionsParser.Parse(Format(x))</c> equals <c>x</c> whenever <c>x</c> has no expiry.
    /// </summary>
    /// <param name="options">Parsed or otherwise valid options.</param>
    /// <returns><c>-</c> for pass-through, else the sorted option list. Options that held nothing but <c>exp</c> mean
    /// "transform with every default" and are written <c>f:auto</c>, the default format, which has the same output.</returns>
    public static string Format(TransformOptions options) => Write(options, includeExpiry: false);

    /// <summary>
    /// The canonical form including <c>exp</c>, for writing URLs: what a builder puts in the options segment.
    /// <c>OptionsParser.Parse(FormatForUrl(x))</c> equals <c>x</c> for any valid non-empty <c>x</c>.
    /// </summary>
    /// <param name="options">Valid options.</param>
    public static string FormatForUrl(TransformOptions options) => Write(options, includeExpiry: true);

    private static string Write(TransformOptions options, bool includeExpiry)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsPassThrough)
        {
            return "-";
        }

        var values = options.Values;
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        var first = true;
        foreach (var option in UrlOptions.All)
        {
            if (!option.IsSet(ref values) || (option.Role == OptionRole.Admission && !includeExpiry))
            {
                continue;
            }

            if (!first)
            {
                text.AppendLiteral(",");
            }

            first = false;
            text.AppendLiteral(option.Name);
            text.AppendLiteral(":");
            option.Write(ref values, ref text);
        }

        if (first)
        {
            text.AppendLiteral("f:auto");
        }

        return text.ToStringAndClear();
    }
}
