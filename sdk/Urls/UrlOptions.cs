using System.Runtime.CompilerServices;

namespace EdgeImages.Sdk.Urls;

/// <summary>
/// The options of URL format version 1.1, one descriptor each (see <see cref="UrlOption"/>). To add an option: add its
/// field to <see cref="OptionValues"/> and its property to <see cref="TransformOptions"/>, write one descriptor here,
/// put it in <see cref="All"/> at its alphabetical place, and add its twin to <c>OPTIONS</c> in <c>sdk/js/index.js</c>
/// with vectors in <c>sdk/test-vectors.json</c>. Nothing else names an option.
/// </summary>
internal static class UrlOptions
{
    public const int MaxSide = 8192;
    public const int MinDprHundredths = 100;
    public const int MaxDprHundredths = 400;
    public const int MaxVersionLength = 64;

    // Keyword values: one table per enum, read and written from the same pairs. A value missing from a table (an
    // undefined enum built in code) is written as its number, which no keyword reader accepts. Declared before the
    // descriptors, which take their methods: static fields are initialised in order.
    private static readonly Keywords<FitMode> Fits = new(
        ("cover", FitMode.Cover), ("contain", FitMode.Contain), ("fill", FitMode.Fill), ("inside", FitMode.Inside), ("outside", FitMode.Outside));

    private static readonly Keywords<FlipMode> Flips = new(("h", FlipMode.Horizontal), ("v", FlipMode.Vertical), ("hv", FlipMode.Both));

    private static readonly Keywords<ImageFormat> Formats = new(
        ("jpeg", ImageFormat.Jpeg), ("png", ImageFormat.Png), ("webp", ImageFormat.Webp), ("avif", ImageFormat.Avif), ("gif", ImageFormat.Gif),
        ("auto", ImageFormat.Auto), ("json", ImageFormat.Json));

    private static readonly Keywords<GravityKind> Gravities = new(
        ("center", GravityKind.Center), ("n", GravityKind.North), ("s", GravityKind.South), ("e", GravityKind.East), ("w", GravityKind.West),
        ("ne", GravityKind.NorthEast), ("nw", GravityKind.NorthWest), ("se", GravityKind.SouthEast), ("sw", GravityKind.SouthWest),
        ("smart", GravityKind.Smart));

    // Each option: name, role, the rule's detail (the JavaScript twin has the same text), where the value lives, how
    // the value is read, how it is written.
    public static readonly UrlOption Animate = new ValueOption<bool>(
        "anim", OptionRole.Transform, "option 'anim' must be 0 or 1",
        static (ref v) => ref v.Animate, TryReadFlag, WriteFlag);

    public static readonly UrlOption Background = new ValueOption<RgbaColor>(
        "bg", OptionRole.Transform, "option 'bg' must be RRGGBB or RRGGBBAA in hex",
        static (ref v) => ref v.Background, TryReadColor, WriteColor);

    public static readonly UrlOption Blur = new ValueOption<double>(
        "blur", OptionRole.Transform, "option 'blur' must be a number from 0.3 to 100",
        static (ref v) => ref v.Blur, Decimal(0.3, 100), WriteDecimal);

    public static readonly UrlOption Crop = new ValueOption<CropRect>(
        "crop", OptionRole.Transform, "option 'crop' must be X:Y:W:H in integers with X and Y from 0 and W and H from 1",
        static (ref v) => ref v.Crop, TryReadCrop, WriteCrop);

    public static readonly UrlOption Dpr = new ValueOption<double>(
        "dpr", OptionRole.Transform, "option 'dpr' must be a number from 1 to 4 with at most 2 decimals",
        static (ref v) => ref v.Dpr, TryReadDpr, WriteDpr);

    public static readonly UrlOption Expiry = new ValueOption<long>(
        "exp", OptionRole.Admission, "option 'exp' must be unix seconds (a non-negative integer)",
        static (ref v) => ref v.ExpiresAt, LongInteger(long.MaxValue / 10), WriteInteger);

    public static readonly UrlOption Format = new ValueOption<ImageFormat>(
        "f", OptionRole.Transform, "option 'f' must be jpeg, png, webp, avif, gif, auto or json",
        static (ref v) => ref v.Format, Formats.TryRead, Formats.Write);

    public static readonly UrlOption Fit = new ValueOption<FitMode>(
        "fit", OptionRole.Transform, "option 'fit' must be cover, contain, fill, inside or outside",
        static (ref v) => ref v.Fit, Fits.TryRead, Fits.Write);

    public static readonly UrlOption Flip = new ValueOption<FlipMode>(
        "flip", OptionRole.Transform, "option 'flip' must be h, v or hv",
        static (ref v) => ref v.Flip, Flips.TryRead, Flips.Write);

    public static readonly UrlOption Gravity = new ValueOption<Urls.Gravity>(
        "g", OptionRole.Transform, "option 'g' must be center, n, s, e, w, ne, nw, se, sw, smart or fp:X:Y with X and Y from 0 to 1",
        static (ref v) => ref v.Gravity, TryReadGravity, WriteGravity);

    public static readonly UrlOption Height = new ValueOption<int>(
        "h", OptionRole.Transform, "option 'h' must be an integer from 1 to 8192",
        static (ref v) => ref v.Height, Integer(1, MaxSide), WriteInteger);

    public static readonly UrlOption Preset = new TextOption(
        "p", OptionRole.Address, "option 'p' must be 1 to 32 characters of [a-z0-9-]",
        static (ref v) => ref v.Preset, static text => Identifier.IsValid(text, Identifier.MaxPresetLength));

    public static readonly UrlOption Quality = new ValueOption<int>(
        "q", OptionRole.Transform, "option 'q' must be an integer from 1 to 100",
        static (ref v) => ref v.Quality, Integer(1, 100), WriteInteger);

    public static readonly UrlOption Rotate = new ValueOption<int>(
        "rot", OptionRole.Transform, "option 'rot' must be 0, 90, 180 or 270",
        static (ref v) => ref v.Rotate, TryReadRightAngle, WriteInteger);

    public static readonly UrlOption Sharpen = new ValueOption<double>(
        "sharpen", OptionRole.Transform, "option 'sharpen' must be a number from 0.3 to 10",
        static (ref v) => ref v.Sharpen, Decimal(0.3, 10), WriteDecimal);

    public static readonly UrlOption Upscale = new ValueOption<bool>(
        "up", OptionRole.Transform, "option 'up' must be 0 or 1",
        static (ref v) => ref v.Upscale, TryReadFlag, WriteFlag);

    public static readonly UrlOption Version = new TextOption(
        "v", OptionRole.Address, "option 'v' must be 1 to 64 characters of [A-Za-z0-9_-]",
        static (ref v) => ref v.Version, IsVersion);

    public static readonly UrlOption Width = new ValueOption<int>(
        "w", OptionRole.Transform, "option 'w' must be an integer from 1 to 8192",
        static (ref v) => ref v.Width, Integer(1, MaxSide), WriteInteger);

    // A tenant's watermark name, or "none", which the same charset spells; whether the name exists is the tenant's
    // settings, checked at the edge.
    public static readonly UrlOption Watermark = new TextOption(
        "wm", OptionRole.Transform, "option 'wm' must be 1 to 32 characters of [a-z0-9-] (a watermark name, or none)",
        static (ref v) => ref v.Watermark, static text => Identifier.IsValid(text, Identifier.MaxPresetLength));

    /// <summary>
    /// Every option, in canonical order: ordinal by name. The order is part of the cache key and of every URL a builder
    /// signs, so a new option goes at its alphabetical place and the others keep their relative order.
    /// </summary>
    public static readonly UrlOption[] All =
    [
        Animate, Background, Blur, Crop, Dpr, Expiry, Format, Fit, Flip, Gravity, Height, Preset, Quality, Rotate, Sharpen, Upscale, Version,
        Width, Watermark,
    ];

    /// <summary>The detail for the one rule across options.</summary>
    public const string DprProductRule = "option 'dpr' times 'w' or 'h' must not exceed 8192";

    /// <summary>The rules that involve more than one option, checked once every option has been read.</summary>
    public static UrlError? CheckTogether(ref OptionValues values)
    {
        // dpr multiplies the box, so the pixels produced are capped, not only the CSS size asked for.
        var dpr = values.Dpr is { } d && TryGetHundredths(d, out var hundredths) ? hundredths : 100;
        return (long)(values.Width ?? 0) * dpr <= MaxSide * 100L && (long)(values.Height ?? 0) * dpr <= MaxSide * 100L
            ? null
            : UrlError.Options(DprProductRule);
    }

    /// <summary>The descriptor named <paramref name="name"/> and its position in <see cref="All"/>, or null.</summary>
    public static UrlOption? Find(ReadOnlySpan<char> name, out int index)
    {
        for (index = 0; index < All.Length; index++)
        {
            if (name.SequenceEqual(All[index].Name))
            {
                return All[index];
            }
        }

        index = -1;
        return null;
    }

    /// <summary>A dpr as exact hundredths, when it is within 1..4 and has at most two decimals.</summary>
    public static bool TryGetHundredths(double dpr, out int hundredths)
    {
        var scaled = dpr * 100;
        var rounded = Math.Round(scaled);
        hundredths = 0;
        if (!(rounded >= MinDprHundredths && rounded <= MaxDprHundredths) || Math.Abs(scaled - rounded) > 1e-6)
        {
            return false;
        }

        hundredths = (int)rounded;
        return true;
    }

    public static bool IsVersion(ReadOnlySpan<char> value) =>
        value.Length is >= 1 and <= MaxVersionLength && !value.ContainsAnyExcept(Charsets.Version);

    private static ValueReader<int> Integer(int min, int max) => (ReadOnlySpan<char> text, out int value) =>
    {
        var ok = NumberSyntax.TryParseInteger(text, max, out var number) && number >= min;
        value = ok ? (int)number : 0;
        return ok;
    };

    private static ValueReader<long> LongInteger(long max) => (ReadOnlySpan<char> text, out long value) =>
        NumberSyntax.TryParseInteger(text, max, out value);

    private static ValueReader<double> Decimal(double min, double max) => (ReadOnlySpan<char> text, out double value) =>
        NumberSyntax.TryParseDecimal(text, out value) && value >= min && value <= max;

    private static void WriteInteger(int value, ref DefaultInterpolatedStringHandler text) => text.AppendFormatted(value);

    private static void WriteInteger(long value, ref DefaultInterpolatedStringHandler text) => text.AppendFormatted(value);

    private static void WriteDecimal(double value, ref DefaultInterpolatedStringHandler text) =>
        text.AppendLiteral(NumberSyntax.FormatDecimal(value));

    private static bool TryReadDpr(ReadOnlySpan<char> text, out double value)
    {
        var ok = NumberSyntax.TryParseHundredths(text, MaxDprHundredths, out var hundredths) && hundredths >= MinDprHundredths;
        value = ok ? hundredths / 100.0 : 0;
        return ok;
    }

    private static void WriteDpr(double value, ref DefaultInterpolatedStringHandler text) =>
        text.AppendLiteral(TryGetHundredths(value, out var hundredths) ? NumberSyntax.FormatHundredths(hundredths) : NumberSyntax.FormatDecimal(value));

    private static bool TryReadRightAngle(ReadOnlySpan<char> text, out int value)
    {
        var ok = NumberSyntax.TryParseInteger(text, 270, out var degrees) && degrees is 0 or 90 or 180 or 270;
        value = ok ? (int)degrees : 0;
        return ok;
    }

    private static bool TryReadFlag(ReadOnlySpan<char> text, out bool value)
    {
        var ok = NumberSyntax.TryParseInteger(text, 1, out var flag);
        value = flag == 1;
        return ok;
    }

    private static void WriteFlag(bool value, ref DefaultInterpolatedStringHandler text) => text.AppendLiteral(value ? "1" : "0");

    private static bool TryReadGravity(ReadOnlySpan<char> text, out Urls.Gravity value)
    {
        value = default;
        if (Gravities.TryRead(text, out var kind))
        {
            value = new Urls.Gravity(kind);
            return true;
        }

        if (!text.StartsWith("fp:"))
        {
            return false;
        }

        var point = text[3..];
        var colon = point.IndexOf(':');
        if (colon < 0
            || !NumberSyntax.TryParseDecimal(point[..colon], out var x)
            || !NumberSyntax.TryParseDecimal(point[(colon + 1)..], out var y)
            || x is not (>= 0 and <= 1)
            || y is not (>= 0 and <= 1))
        {
            return false;
        }

        value = new Urls.Gravity(GravityKind.FocalPoint, x, y);
        return true;
    }

    private static void WriteGravity(Urls.Gravity value, ref DefaultInterpolatedStringHandler text)
    {
        if (value.Kind != GravityKind.FocalPoint)
        {
            Gravities.Write(value.Kind, ref text);
            return;
        }

        text.AppendLiteral("fp:");
        text.AppendLiteral(NumberSyntax.FormatDecimal(value.X));
        text.AppendLiteral(":");
        text.AppendLiteral(NumberSyntax.FormatDecimal(value.Y));
    }

    private static bool TryReadCrop(ReadOnlySpan<char> text, out CropRect value)
    {
        value = default;
        Span<Range> parts = stackalloc Range[5];
        if (text.Split(parts, ':') != 4
            || !NumberSyntax.TryParseInteger(text[parts[0]], int.MaxValue, out var x)
            || !NumberSyntax.TryParseInteger(text[parts[1]], int.MaxValue, out var y)
            || !NumberSyntax.TryParseInteger(text[parts[2]], int.MaxValue, out var w)
            || !NumberSyntax.TryParseInteger(text[parts[3]], int.MaxValue, out var h)
            || w < 1
            || h < 1)
        {
            return false;
        }

        value = new CropRect((int)x, (int)y, (int)w, (int)h);
        return true;
    }

    private static void WriteCrop(CropRect value, ref DefaultInterpolatedStringHandler text)
    {
        text.AppendFormatted(value.X);
        text.AppendLiteral(":");
        text.AppendFormatted(value.Y);
        text.AppendLiteral(":");
        text.AppendFormatted(value.Width);
        text.AppendLiteral(":");
        text.AppendFormatted(value.Height);
    }

    private static bool TryReadColor(ReadOnlySpan<char> text, out RgbaColor value)
    {
        value = default;
        if (text.Length is not (6 or 8))
        {
            return false;
        }

        Span<byte> rgba = [0, 0, 0, 255];
        for (var i = 0; i < text.Length / 2; i++)
        {
            var high = NumberSyntax.HexValue(text[2 * i]);
            var low = NumberSyntax.HexValue(text[(2 * i) + 1]);
            if (high < 0 || low < 0)
            {
                return false;
            }

            rgba[i] = (byte)((high << 4) | low);
        }

        value = new RgbaColor(rgba[0], rgba[1], rgba[2], rgba[3]);
        return true;
    }

    private static void WriteColor(RgbaColor value, ref DefaultInterpolatedStringHandler text)
    {
        // Lowercase, and the alpha only when not opaque, so each colour has one spelling.
        text.AppendFormatted(value.R, "x2");
        text.AppendFormatted(value.G, "x2");
        text.AppendFormatted(value.B, "x2");
        if (value.A != 255)
        {
            text.AppendFormatted(value.A, "x2");
        }
    }

    /// <summary>The keywords of an enum-valued option.</summary>
    private sealed class Keywords<TEnum>(params (string Text, TEnum Value)[] pairs)
        where TEnum : struct, Enum
    {
        public bool TryRead(ReadOnlySpan<char> text, out TEnum value)
        {
            foreach (var pair in pairs)
            {
                if (text.SequenceEqual(pair.Text))
                {
                    value = pair.Value;
                    return true;
                }
            }

            value = default;
            return false;
        }

        public void Write(TEnum value, ref DefaultInterpolatedStringHandler text)
        {
            foreach (var pair in pairs)
            {
                if (EqualityComparer<TEnum>.Default.Equals(pair.Value, value))
                {
                    text.AppendLiteral(pair.Text);
                    return;
                }
            }

            text.AppendFormatted(value.ToString("D"));
        }
    }
}
