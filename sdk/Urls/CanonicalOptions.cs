using System.Globalization;
using System.Runtime.CompilerServices;

namespace EdgeImages.Sdk.Urls;

/// <summary>
/// Writes options in the one spelling used for cache keys and by builders: names in alphabetical order, numbers without
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

        var writer = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        var first = true;

        void Name(ref DefaultInterpolatedStringHandler w, string name)
        {
            if (!first)
            {
                w.AppendLiteral(",");
            }

            first = false;
            w.AppendLiteral(name);
            w.AppendLiteral(":");
        }

        // Alphabetical by name: bg, blur, crop, dpr, exp, f, fit, flip, g, h, p, q, rot, sharpen, up, v, w.
        if (options.Background is { } bg)
        {
            Name(ref writer, "bg");
            writer.AppendFormatted(bg.R, "x2");
            writer.AppendFormatted(bg.G, "x2");
            writer.AppendFormatted(bg.B, "x2");
            if (bg.A != 255)
            {
                writer.AppendFormatted(bg.A, "x2");
            }
        }

        if (options.Blur is { } blur)
        {
            Name(ref writer, "blur");
            writer.AppendLiteral(NumberSyntax.FormatDecimal(blur));
        }

        if (options.Crop is { } crop)
        {
            Name(ref writer, "crop");
            writer.AppendFormatted(crop.X);
            writer.AppendLiteral(":");
            writer.AppendFormatted(crop.Y);
            writer.AppendLiteral(":");
            writer.AppendFormatted(crop.Width);
            writer.AppendLiteral(":");
            writer.AppendFormatted(crop.Height);
        }

        if (options.Dpr is { } dpr)
        {
            Name(ref writer, "dpr");
            writer.AppendLiteral(NumberSyntax.FormatHundredths((int)Math.Round(dpr * 100)));
        }

        if (includeExpiry && options.ExpiresAt is { } exp)
        {
            Name(ref writer, "exp");
            writer.AppendFormatted(exp);
        }

        if (options.Format is { } format)
        {
            Name(ref writer, "f");
            writer.AppendLiteral(FormatName(format));
        }

        if (options.Fit is { } fit)
        {
            Name(ref writer, "fit");
            writer.AppendLiteral(FitName(fit));
        }

        if (options.Flip is { } flip)
        {
            Name(ref writer, "flip");
            writer.AppendLiteral(flip switch { FlipMode.Horizontal => "h", FlipMode.Vertical => "v", _ => "hv" });
        }

        if (options.Gravity is { } g)
        {
            Name(ref writer, "g");
            if (g.Kind == GravityKind.FocalPoint)
            {
                writer.AppendLiteral("fp:");
                writer.AppendLiteral(NumberSyntax.FormatDecimal(g.X));
                writer.AppendLiteral(":");
                writer.AppendLiteral(NumberSyntax.FormatDecimal(g.Y));
            }
            else
            {
                writer.AppendLiteral(GravityName(g.Kind));
            }
        }

        if (options.Height is { } h)
        {
            Name(ref writer, "h");
            writer.AppendFormatted(h);
        }

        if (options.Preset is { } p)
        {
            Name(ref writer, "p");
            writer.AppendLiteral(p);
        }

        if (options.Quality is { } q)
        {
            Name(ref writer, "q");
            writer.AppendFormatted(q);
        }

        if (options.Rotate is { } rot)
        {
            Name(ref writer, "rot");
            writer.AppendFormatted(rot);
        }

        if (options.Sharpen is { } sharpen)
        {
            Name(ref writer, "sharpen");
            writer.AppendLiteral(NumberSyntax.FormatDecimal(sharpen));
        }

        if (options.Upscale is { } up)
        {
            Name(ref writer, "up");
            writer.AppendLiteral(up ? "1" : "0");
        }

        if (options.Version is { } v)
        {
            Name(ref writer, "v");
            writer.AppendLiteral(v);
        }

        if (options.Width is { } w)
        {
            Name(ref writer, "w");
            writer.AppendFormatted(w);
        }

        if (first)
        {
            writer.AppendLiteral("f:auto");
        }

        return writer.ToStringAndClear();
    }

    private static string FormatName(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "jpeg",
        ImageFormat.Png => "png",
        ImageFormat.Webp => "webp",
        _ => "auto",
    };

    private static string FitName(FitMode fit) => fit switch
    {
        FitMode.Contain => "contain",
        FitMode.Fill => "fill",
        FitMode.Inside => "inside",
        FitMode.Outside => "outside",
        _ => "cover",
    };

    private static string GravityName(GravityKind kind) => kind switch
    {
        GravityKind.North => "n",
        GravityKind.South => "s",
        GravityKind.East => "e",
        GravityKind.West => "w",
        GravityKind.NorthEast => "ne",
        GravityKind.NorthWest => "nw",
        GravityKind.SouthEast => "se",
        GravityKind.SouthWest => "sw",
        GravityKind.Smart => "smart",
        _ => "center",
    };
}
