using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeImages.Sdk.AspNetCore;

/// <summary>
/// <c>&lt;img edge-src="acme/photos/cat.jpg" edge-width="400" edge-fit="cover"&gt;</c>: renders the signed
/// <c>src</c>, a <c>srcset</c> (a width ladder, chosen widths, or densities), <c>sizes</c>, and the <c>width</c> and
/// <c>height</c> that follow from the options. Every option of the URL format has an attribute; <c>edge-options</c>
/// takes a whole options segment instead. Anything the edge would refuse throws while rendering, naming the rule,
/// rather than producing a broken image.
/// </summary>
/// <remarks>
/// <c>width</c>/<c>height</c> written on the element by the page are kept. A side that depends on the original's
/// size is only rendered when <c>edge-source-width</c> and <c>edge-source-height</c> give it (or <c>edge-crop</c>
/// fixes it), or when <c>edge-measure</c> or <c>edge-placeholder</c> asks the edge for it (<c>f:json</c>, fetched once
/// per image and cached, see <see cref="EdgeImageInfoClient"/>); nothing is guessed. When that fetch fails the image is
/// rendered as without those attributes.
/// </remarks>
[HtmlTargetElement("img", Attributes = "edge-src", TagStructure = TagStructure.WithoutEndTag)]
public sealed class EdgeImageTagHelper : TagHelper
{
    private readonly EdgeImageUrls _urls;
    private readonly EdgeImageInfoClient? _info;

    /// <summary>Created with the registered <see cref="EdgeImageUrls"/> alone: <c>edge-placeholder</c> and <c>edge-measure</c> then render nothing.</summary>
    /// <param name="urls">Signs the URLs.</param>
    public EdgeImageTagHelper(EdgeImageUrls urls)
        : this(urls, null)
    {
    }

    /// <summary>Created by Razor with the registered <see cref="EdgeImageUrls"/> and <see cref="EdgeImageInfoClient"/>.</summary>
    /// <param name="urls">Signs the URLs.</param>
    /// <param name="info">Fetches the edge's <c>f:json</c> answers; null renders without them.</param>
    [ActivatorUtilitiesConstructor]
    public EdgeImageTagHelper(EdgeImageUrls urls, EdgeImageInfoClient? info)
    {
        ArgumentNullException.ThrowIfNull(urls);
        _urls = urls;
        _info = info;
    }

    /// <summary>The page being rendered: for the cancellation of its request, and where root-relative URLs point.</summary>
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext? ViewContext { get; set; }

    /// <summary>The original: <c>{tenant}/{path}</c>, path decoded, e.g. <c>acme/a b/café.png</c>.</summary>
    [HtmlAttributeName("edge-src")]
    public string? Source { get; set; }

    /// <summary>A whole options segment (<c>w:400,h:300,fit:cover</c>); combined with the single-option attributes,
    /// which may not repeat an option it names.</summary>
    [HtmlAttributeName("edge-options")]
    public string? Options { get; set; }

    /// <summary><c>w</c>: width in CSS pixels.</summary>
    [HtmlAttributeName("edge-width")]
    public int? Width { get; set; }

    /// <summary><c>h</c>: height in CSS pixels.</summary>
    [HtmlAttributeName("edge-height")]
    public int? Height { get; set; }

    /// <summary><c>dpr</c>: device pixel ratio, 1 to 4. Not with a srcset, whose candidates carry their own.</summary>
    [HtmlAttributeName("edge-dpr")]
    public double? Dpr { get; set; }

    /// <summary><c>fit</c>: cover, contain, fill, inside or outside.</summary>
    [HtmlAttributeName("edge-fit")]
    public string? Fit { get; set; }

    /// <summary><c>g</c>: center, n, s, e, w, ne, nw, se, sw, smart or fp:X:Y.</summary>
    [HtmlAttributeName("edge-gravity")]
    public string? Gravity { get; set; }

    /// <summary><c>crop</c>: X:Y:W:H in source pixels.</summary>
    [HtmlAttributeName("edge-crop")]
    public string? Crop { get; set; }

    /// <summary><c>rot</c>: 0, 90, 180 or 270.</summary>
    [HtmlAttributeName("edge-rotate")]
    public int? Rotate { get; set; }

    /// <summary><c>flip</c>: h, v or hv.</summary>
    [HtmlAttributeName("edge-flip")]
    public string? Flip { get; set; }

    /// <summary><c>blur</c>: sigma from 0.3 to 100.</summary>
    [HtmlAttributeName("edge-blur")]
    public double? Blur { get; set; }

    /// <summary><c>sharpen</c>: sigma from 0.3 to 10.</summary>
    [HtmlAttributeName("edge-sharpen")]
    public double? Sharpen { get; set; }

    /// <summary><c>q</c>: quality from 1 to 100.</summary>
    [HtmlAttributeName("edge-quality")]
    public int? Quality { get; set; }

    /// <summary><c>f</c>: jpeg, png, webp or auto.</summary>
    [HtmlAttributeName("edge-format")]
    public string? Format { get; set; }

    /// <summary><c>bg</c>: RRGGBB or RRGGBBAA.</summary>
    [HtmlAttributeName("edge-background")]
    public string? Background { get; set; }

    /// <summary><c>up</c>: allow enlarging.</summary>
    [HtmlAttributeName("edge-upscale")]
    public bool? Upscale { get; set; }

    /// <summary><c>exp</c>: when the URL stops working.</summary>
    [HtmlAttributeName("edge-expires")]
    public DateTimeOffset? Expires { get; set; }

    /// <summary><c>v</c>: a pinned source version.</summary>
    [HtmlAttributeName("edge-version")]
    public string? Version { get; set; }

    /// <summary><c>p</c>: a preset name.</summary>
    [HtmlAttributeName("edge-preset")]
    public string? Preset { get; set; }

    /// <summary>A <c>w</c>-descriptor srcset at these widths, comma-separated (<c>400,800,1200</c>).</summary>
    [HtmlAttributeName("edge-widths")]
    public string? Widths { get; set; }

    /// <summary>Smallest width of a ladder srcset; setting any ladder attribute asks for a ladder.</summary>
    [HtmlAttributeName("edge-min-width")]
    public int? MinWidth { get; set; }

    /// <summary>Largest width of a ladder srcset.</summary>
    [HtmlAttributeName("edge-max-width")]
    public int? MaxWidth { get; set; }

    /// <summary>Largest step between ladder widths, as a fraction (0.08 is 8%).</summary>
    [HtmlAttributeName("edge-tolerance")]
    public double? Tolerance { get; set; }

    /// <summary>An <c>x</c>-descriptor srcset at these densities, comma-separated (<c>1,2,3</c>), for fixed-size images.</summary>
    [HtmlAttributeName("edge-densities")]
    public string? Densities { get; set; }

    /// <summary>The <c>sizes</c> attribute. With a width srcset and <c>edge-width</c> but no sizes,
    /// <c>(max-width: {w}px) 100vw, {w}px</c> is written, since the browser would otherwise assume 100vw.</summary>
    [HtmlAttributeName("edge-sizes")]
    public string? Sizes { get; set; }

    /// <summary>The original's width (after EXIF orientation), when known: caps a ladder and sizes the element.</summary>
    [HtmlAttributeName("edge-source-width")]
    public int? SourceWidth { get; set; }

    /// <summary>The original's height (after EXIF orientation), when known.</summary>
    [HtmlAttributeName("edge-source-height")]
    public int? SourceHeight { get; set; }

    /// <summary>
    /// Paints something while the image loads, from the edge's <c>f:json</c> answer: <c>blur</c>, its blurred tiny WebP
    /// as a <c>background-image</c> (a few hundred bytes of HTML per image), or <c>color</c>, its dominant colour as a
    /// <c>background-color</c> (a few bytes). Either also measures, as <see cref="Measure"/>. The page's own
    /// <c>style</c> comes after and wins.
    /// </summary>
    [HtmlAttributeName("edge-placeholder")]
    public string? Placeholder { get; set; }

    /// <summary>
    /// Asks the edge for the original's size (<c>f:json</c>) when <c>edge-source-width</c>/<c>edge-source-height</c> are
    /// not given, so that <c>width</c> and <c>height</c> are always written and the page does not shift while images
    /// load; a ladder srcset is also capped at it.
    /// </summary>
    [HtmlAttributeName("edge-measure")]
    public bool Measure { get; set; }

    /// <inheritdoc/>
    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            var info = await FetchInfoAsync().ConfigureAwait(false);
            Render(output, info);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            var message = e is ArgumentException { ParamName: { } name } && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
                ? e.Message[..^($" (Parameter '{name}')".Length)]
                : e.Message;
            throw new InvalidOperationException($"<img edge-src=\"{Source}\">: {message}", e);
        }
    }

    /// <summary>The edge's <c>f:json</c> answer when the attributes ask for it, or null (not asked, or not to be had in time).</summary>
    private async Task<EdgeImageInfo?> FetchInfoAsync()
    {
        var placeholder = Placeholder?.Trim().ToUpperInvariant() switch
        {
            null or "" or "NONE" => false,
            "BLUR" or "COLOR" => true,
            _ => throw new ArgumentException("edge-placeholder must be blur, color or none"),
        };
        if (!placeholder && !Measure)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(Source))
        {
            throw new ArgumentException("edge-src is empty; write {tenant}/{path}");
        }

        if (_info is null)
        {
            return null;
        }

        var http = ViewContext?.HttpContext;
        return await _info.GetAsync(Source, BuildOptions(), EdgeImageInfoClient.SiteOf(http), http?.RequestAborted ?? CancellationToken.None).ConfigureAwait(false);
    }

    private void Render(TagHelperOutput output, EdgeImageInfo? info)
    {
        if (string.IsNullOrWhiteSpace(Source))
        {
            throw new ArgumentException("edge-src is empty; write {tenant}/{path}");
        }

        // The measured original stands in for the sizes the page did not give; what the page gave wins.
        var sourceWidth = SourceWidth ?? info?.Width;
        var sourceHeight = SourceHeight ?? info?.Height;
        var options = BuildOptions();
        var ladder = MinWidth is not null || MaxWidth is not null || Tolerance is not null;
        if (Densities is not null && (Widths is not null || ladder))
        {
            throw new ArgumentException("edge-densities (fixed size) and edge-widths or a ladder (fluid) exclude each other");
        }

        if (Widths is not null && ladder)
        {
            throw new ArgumentException("edge-widths and a ladder (edge-min-width, edge-max-width, edge-tolerance) exclude each other");
        }

        var (tenant, path) = EdgeImageUrls.SplitSource(Source);
        string? srcset = null;
        IReadOnlyList<int>? widths = null;
        if (Densities is not null)
        {
            srcset = _urls.Srcset.BuildDensities(options, tenant, path, ParseList(Densities, "edge-densities", double.Parse).ToArray());
        }
        else if (Widths is not null || ladder)
        {
            // No options but a width srcset: each candidate carries its own w, so plain resizes of the original.
            if (options.IsPassThrough)
            {
                options = new TransformOptions();
            }

            widths = Widths is not null
                ? ParseList(Widths, "edge-widths", int.Parse)
                : SrcsetBuilder.WidthLadder(
                    MinWidth ?? SrcsetBuilder.DefaultMinWidth,
                    MaxWidth ?? SrcsetBuilder.DefaultMaxWidth,
                    Tolerance ?? SrcsetBuilder.DefaultTolerance,
                    sourceWidth);
            srcset = _urls.Srcset.BuildWidths(options, tenant, path, widths);
        }

        // Without edge-width, the fallback src of a width srcset is its largest candidate, for browsers without srcset.
        var srcOptions = widths is { Count: > 0 } && options.Width is null ? options with { Width = widths.Max() } : options;
        output.Attributes.SetAttribute("src", _urls.Url(Source, srcOptions));
        if (srcset is not null)
        {
            output.Attributes.SetAttribute("srcset", srcset);
        }

        var sizes = Sizes ?? (widths is not null && options.Width is { } w
            ? string.Create(CultureInfo.InvariantCulture, $"(max-width: {w}px) 100vw, {w}px")
            : null);
        if (sizes is not null)
        {
            output.Attributes.SetAttribute("sizes", sizes);
        }

        var (width, height) = DisplaySize.Compute(srcOptions, sourceWidth, sourceHeight);
        if (!output.Attributes.ContainsName("width") && !output.Attributes.ContainsName("height"))
        {
            if (width is { } displayWidth)
            {
                output.Attributes.SetAttribute("width", displayWidth.ToString(CultureInfo.InvariantCulture));
            }

            if (height is { } displayHeight)
            {
                output.Attributes.SetAttribute("height", displayHeight.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (info is not null)
        {
            WritePlaceholder(output, info);
        }
    }

    /// <summary>
    /// The placeholder as a background, before the page's own <c>style</c> so that the page's declarations win. Both
    /// values were checked by <see cref="EdgeImageInfoClient"/> (a base64 WebP data: URI, a <c>#rrggbb</c> colour): no
    /// quote, space or parenthesis, so the <c>url()</c> needs no quotes and the text needs no HTML encoding (which would
    /// write every <c>+</c> of the base64 as six characters); the page's own style is encoded as Razor would.
    /// </summary>
    private void WritePlaceholder(TagHelperOutput output, EdgeImageInfo info)
    {
        var paint = Placeholder?.Trim().ToUpperInvariant() switch
        {
            "BLUR" => $"background-image:url({info.Placeholder});background-size:cover;background-position:center;background-repeat:no-repeat",
            "COLOR" => $"background-color:{info.DominantColor}",
            _ => null,
        };
        if (paint is null)
        {
            return;
        }

        var own = output.Attributes.TryGetAttribute("style", out var style) ? Encoded(style.Value) : "";
        output.Attributes.SetAttribute("style", new HtmlString(string.IsNullOrWhiteSpace(own) ? paint : $"{paint};{own}"));
    }

    private static string Encoded(object? value)
    {
        switch (value)
        {
            case null:
                return "";
            case IHtmlContent html:
                using (var writer = new StringWriter(CultureInfo.InvariantCulture))
                {
                    html.WriteTo(writer, HtmlEncoder.Default);
                    return writer.ToString();
                }

            default:
                return HtmlEncoder.Default.Encode(value.ToString() ?? "");
        }
    }

    /// <summary>
    /// Writes every attribute as option text and parses the whole with the edge's own parser, so there is one set of
    /// rules and messages; a repeated option is refused like in a URL.
    /// </summary>
    private TransformOptions BuildOptions()
    {
        var text = new StringBuilder(Options);
        void Add(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            // A comma would smuggle in another option under this attribute's name.
            if (value.Contains(',', StringComparison.Ordinal))
            {
                throw new ArgumentException($"the value of option '{name}' may not contain ','");
            }

            text.Append(text.Length > 0 ? "," : "").Append(name).Append(':').Append(value);
        }

        static string? Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
        static string? Integer(long? value) => value?.ToString(CultureInfo.InvariantCulture);

        Add("w", Integer(Width));
        Add("h", Integer(Height));
        Add("dpr", Number(Dpr));
        Add("fit", Fit);
        Add("g", Gravity);
        Add("crop", Crop);
        Add("rot", Integer(Rotate));
        Add("flip", Flip);
        Add("blur", Number(Blur));
        Add("sharpen", Number(Sharpen));
        Add("q", Integer(Quality));
        Add("f", Format);
        Add("bg", Background);
        Add("up", Upscale is { } up ? (up ? "1" : "0") : null);
        Add("exp", Integer(Expires?.ToUnixTimeSeconds()));
        Add("v", Version);
        Add("p", Preset);
        return text.Length == 0 ? TransformOptions.PassThrough : TransformOptions.Parse(text.ToString());
    }

    private static List<T> ParseList<T>(string text, string attribute, Func<string, IFormatProvider, T> parse)
    {
        var items = new List<T>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                items.Add(parse(item, CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new ArgumentException($"{attribute} must be a comma-separated list of numbers", e);
            }
        }

        return items.Count > 0 ? items : throw new ArgumentException($"{attribute} is empty");
    }
}
