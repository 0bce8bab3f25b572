using System.Globalization;
using System.Text;

namespace EdgeImages.Sdk.Urls;

/// <summary>
/// Writes <c>srcset</c> attribute values whose candidates are signed URLs: a width ladder for fluid images
/// (<c>w</c> descriptors) or density variants for fixed-size ones (<c>x</c> descriptors). The <c>sizes</c> attribute
/// is the page's business and is not produced here.
/// </summary>
/// <remarks>
/// Candidates are joined by <c>", "</c>. URLs contain commas inside the options segment, which the HTML srcset parser
/// allows because a URL never ends with one here: path segments are percent-encoded and ',' is not unreserved.
/// </remarks>
public sealed class SrcsetBuilder
{
    /// <summary>The default ladder start: below this, images are icons and rarely need a ladder.</summary>
    public const int DefaultMinWidth = 100;

    /// <summary>The default ladder end, the largest width the edge produces.</summary>
    public const int DefaultMaxWidth = OptionsParser.MaxSide;

    /// <summary>
    /// The default step: each width at most 8% above the previous. imgix's libraries use the same 8% default but step
    /// by twice it (a candidate serves widths 8% either side); bounding each step directly gives a denser ladder, so
    /// more URLs per image in exchange for at most 8% wasted pixels.
    /// </summary>
    public const double DefaultTolerance = 0.08;

    private readonly ImageUrlBuilder _urls;
    private readonly Uri? _baseUri;

    /// <summary>Creates a srcset writer over a URL builder.</summary>
    /// <param name="urls">Signs every candidate.</param>
    /// <param name="baseUri">The edge's address for absolute URLs; null writes root-relative paths.</param>
    public SrcsetBuilder(ImageUrlBuilder urls, Uri? baseUri = null)
    {
        ArgumentNullException.ThrowIfNull(urls);
        _urls = urls;
        _baseUri = baseUri;
    }

    /// <summary>
    /// The widths of a ladder from <paramref name="minWidth"/> to <paramref name="maxWidth"/>, each at most
    /// <paramref name="tolerance"/> larger than the previous (so any displayed width is served by a candidate at most
    /// that much larger than needed), ending exactly at the cap.
    /// </summary>
    /// <param name="minWidth">The smallest width, at least 1.</param>
    /// <param name="maxWidth">The largest width, at most 8192.</param>
    /// <param name="tolerance">The largest step as a fraction, e.g. 0.08; from 0.01 to 1.</param>
    /// <param name="sourceWidth">The original's width when known: the ladder stops there, since larger candidates
    /// would be the same bytes under another URL (the edge does not enlarge without <c>up:1</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound or the tolerance is out of range.</exception>
    public static IReadOnlyList<int> WidthLadder(int minWidth, int maxWidth, double tolerance, int? sourceWidth = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minWidth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxWidth, OptionsParser.MaxSide);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWidth, minWidth);
        if (!(tolerance is >= 0.01 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be from 0.01 to 1");
        }

        if (sourceWidth is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sourceWidth), sourceWidth, "source width must be at least 1");
        }

        var cap = Math.Min(maxWidth, sourceWidth ?? int.MaxValue);
        var widths = new List<int>();
        var width = Math.Min(minWidth, cap);
        while (true)
        {
            widths.Add(width);
            if (width >= cap)
            {
                return widths;
            }

            // Floor keeps each step within the tolerance; at small widths it may be under one pixel, so step at least one.
            var next = Math.Max(width + 1, (int)Math.Floor(width * (1 + tolerance)));
            width = Math.Min(next, cap);
        }
    }

    /// <summary>
    /// A <c>w</c>-descriptor srcset over <see cref="WidthLadder"/>. With both <c>w</c> and <c>h</c> in
    /// <paramref name="options"/>, each candidate's height is scaled to keep that aspect ratio.
    /// </summary>
    /// <param name="options">The base transformation; its <c>w</c> is replaced per candidate. It may not set
    /// <c>dpr</c> (a <c>w</c> descriptor is in device pixels already), nor <c>h</c> without <c>w</c>.</param>
    /// <param name="tenant">The tenant.</param>
    /// <param name="path">The decoded path at the origin.</param>
    /// <param name="minWidth">The smallest candidate.</param>
    /// <param name="maxWidth">The largest candidate.</param>
    /// <param name="tolerance">The largest step between candidates, as a fraction.</param>
    /// <param name="sourceWidth">The original's width when known; caps the ladder.</param>
    /// <exception cref="ArgumentException">The options cannot form a ladder, or a URL cannot be built.</exception>
    public string BuildWidths(
        TransformOptions options,
        string tenant,
        string path,
        int minWidth = DefaultMinWidth,
        int maxWidth = DefaultMaxWidth,
        double tolerance = DefaultTolerance,
        int? sourceWidth = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return BuildWidths(options, tenant, path, WidthLadder(minWidth, maxWidth, tolerance, sourceWidth));
    }

    /// <summary>
    /// A <c>w</c>-descriptor srcset over widths chosen by the page (for example the breakpoints of its layout).
    /// With both <c>w</c> and <c>h</c> in <paramref name="options"/>, each candidate's height is scaled to keep that
    /// aspect ratio, rounded half to even.
    /// </summary>
    /// <param name="options">The base transformation; its <c>w</c> is replaced per candidate. It may not set
    /// <c>dpr</c>, nor <c>h</c> without <c>w</c>.</param>
    /// <param name="tenant">The tenant.</param>
    /// <param name="path">The decoded path at the origin.</param>
    /// <param name="widths">The candidate widths, each from 1 to 8192, in the order they are written.</param>
    /// <exception cref="ArgumentException">The options cannot form a ladder, a width is out of range, or a URL cannot
    /// be built.</exception>
    public string BuildWidths(TransformOptions options, string tenant, string path, IEnumerable<int> widths)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(widths);
        if (options.IsPassThrough || options.Dpr is not null || (options.Height is not null && options.Width is null))
        {
            throw new ArgumentException("a width ladder needs transform options without dpr, and h only together with w", nameof(options));
        }

        var result = new StringBuilder();
        foreach (var width in widths)
        {
            var height = options is { Width: { } w, Height: { } h }
                ? Math.Clamp((int)Math.Round((double)h * width / w), 1, OptionsParser.MaxSide)
                : (int?)null;
            var candidate = options with { Width = width, Height = height };
            Append(result, Url(candidate, tenant, path), width.ToString(CultureInfo.InvariantCulture) + "w");
        }

        return result.ToString();
    }

    /// <summary>
    /// An <c>x</c>-descriptor srcset for an image shown at a fixed size: the same options at several <c>dpr</c>s.
    /// The 1x candidate carries no <c>dpr</c>, so it is the same URL (and cache entry) as a plain <c>src</c>.
    /// Densities whose size would exceed 8192 pixels are skipped.
    /// </summary>
    /// <param name="options">The transformation at 1x, without <c>dpr</c>.</param>
    /// <param name="tenant">The tenant.</param>
    /// <param name="path">The decoded path at the origin.</param>
    /// <param name="densities">Densities from 1 to 4 with at most two decimals; empty means 1, 2 and 3.</param>
    /// <exception cref="ArgumentException">The options set <c>dpr</c>, a density is invalid, or a URL cannot be built.</exception>
    public string BuildDensities(TransformOptions options, string tenant, string path, params ReadOnlySpan<double> densities)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsPassThrough || options.Dpr is not null)
        {
            throw new ArgumentException("density variants need transform options without dpr", nameof(options));
        }

        if (densities.IsEmpty)
        {
            densities = [1, 2, 3];
        }

        var result = new StringBuilder();
        foreach (var density in densities)
        {
            if (!UrlOptions.TryGetHundredths(density, out var hundredths))
            {
                throw new ArgumentException(UrlOptions.Dpr.Rule, nameof(densities));
            }

            var candidate = hundredths == 100 ? options : options with { Dpr = hundredths / 100.0 };
            var values = candidate.Values;
            if (UrlOptions.CheckTogether(ref values) is not null)
            {
                continue; // more than 8192 pixels at this density
            }

            Append(result, Url(candidate, tenant, path), NumberSyntax.FormatHundredths(hundredths) + "x");
        }

        return result.ToString();
    }

    private string Url(TransformOptions options, string tenant, string path) =>
        _baseUri is null ? _urls.Build(options, tenant, path) : _urls.Build(_baseUri, options, tenant, path);

    private static void Append(StringBuilder result, string url, string descriptor)
    {
        if (result.Length > 0)
        {
            result.Append(", ");
        }

        result.Append(url).Append(' ').Append(descriptor);
    }
}
