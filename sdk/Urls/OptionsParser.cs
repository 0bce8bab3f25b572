namespace EdgeImages.Sdk.Urls;

/// <summary>
/// Parses the options segment of an image URL (URL format version 1): <c>-</c>, or <c>name:value</c> items joined by
/// commas. Total: every input gives options or a <see cref="UrlErrorKind.InvalidOptions"/> error, never an exception.
/// </summary>
/// <remarks>
/// As in imgproxy, each option name maps to one small apply function that checks its value and sets one field; an
/// unknown name is an error rather than ignored, so a typo in a URL fails loudly instead of serving the wrong image.
/// </remarks>
public static class OptionsParser
{
    internal const int MaxSide = 8192;
    internal const int MinDprHundredths = 100;
    internal const int MaxDprHundredths = 400;
    internal const double MinBlur = 0.3;
    internal const double MaxBlur = 100;
    internal const double MinSharpen = 0.3;
    internal const double MaxSharpen = 10;
    internal const int MaxVersionLength = 64;
    internal const int MaxPresetLength = 32;

    internal const string WidthRule = "option 'w' must be an integer from 1 to 8192";
    internal const string HeightRule = "option 'h' must be an integer from 1 to 8192";
    internal const string DprRule = "option 'dpr' must be a number from 1 to 4 with at most 2 decimals";
    internal const string DprProductRule = "option 'dpr' times 'w' or 'h' must not exceed 8192";
    internal const string FitRule = "option 'fit' must be cover, contain, fill, inside or outside";
    internal const string GravityRule = "option 'g' must be center, n, s, e, w, ne, nw, se, sw, smart or fp:X:Y with X and Y from 0 to 1";
    internal const string CropRule = "option 'crop' must be X:Y:W:H in integers with X and Y from 0 and W and H from 1";
    internal const string RotateRule = "option 'rot' must be 0, 90, 180 or 270";
    internal const string FlipRule = "option 'flip' must be h, v or hv";
    internal const string BlurRule = "option 'blur' must be a number from 0.3 to 100";
    internal const string SharpenRule = "option 'sharpen' must be a number from 0.3 to 10";
    internal const string QualityRule = "option 'q' must be an integer from 1 to 100";
    internal const string FormatRule = "option 'f' must be jpeg, png, webp or auto";
    internal const string BackgroundRule = "option 'bg' must be RRGGBB or RRGGBBAA in hex";
    internal const string UpscaleRule = "option 'up' must be 0 or 1";
    internal const string ExpiryRule = "option 'exp' must be unix seconds (a non-negative integer)";
    internal const string VersionRule = "option 'v' must be 1 to 64 characters of [A-Za-z0-9_-]";
    internal const string PresetRule = "option 'p' must be 1 to 32 characters of [a-z0-9-]";

    private delegate UrlError? Apply(ReadOnlySpan<char> value, ref Draft draft);

    private sealed record OptionSpec(string Name, Apply Apply);

    // Lookup table; the position is the option's bit in the "seen" mask. Canonical order lives in CanonicalOptions.
    private static readonly OptionSpec[] Specs =
    [
        new("w", ApplyWidth),
        new("h", ApplyHeight),
        new("dpr", ApplyDpr),
        new("fit", ApplyFit),
        new("g", ApplyGravity),
        new("crop", ApplyCrop),
        new("rot", ApplyRotate),
        new("flip", ApplyFlip),
        new("blur", ApplyBlur),
        new("sharpen", ApplySharpen),
        new("q", ApplyQuality),
        new("f", ApplyFormat),
        new("bg", ApplyBackground),
        new("up", ApplyUpscale),
        new("exp", ApplyExpiry),
        new("v", ApplyVersion),
        new("p", ApplyPreset),
    ];

    /// <summary>
    /// Reads an options segment exactly as it appears in the URL (not percent-decoded: option values never need escaping).
    /// </summary>
    /// <param name="segment">The text between the signature and the tenant segments.</param>
    /// <returns>The options, or an <see cref="UrlErrorKind.InvalidOptions"/> error naming the first broken rule.</returns>
    public static ParseResult<TransformOptions> Parse(ReadOnlySpan<char> segment)
    {
        if (segment is "-")
        {
            return ParseResult.Success(TransformOptions.PassThrough);
        }

        if (segment.IsEmpty)
        {
            return Fail("options segment is empty; use '-' for no transformation");
        }

        var draft = default(Draft);
        var seen = 0u;
        while (true)
        {
            var comma = segment.IndexOf(',');
            var item = comma < 0 ? segment : segment[..comma];
            if (item.IsEmpty)
            {
                return Fail("options list has an empty item");
            }

            var colon = item.IndexOf(':');
            var name = colon < 0 ? item : item[..colon];
            var index = IndexOf(name);
            if (index < 0)
            {
                return Fail(name.IsEmpty ? "option name is empty" : $"unknown option '{UrlError.Quote(name)}'");
            }

            var spec = Specs[index];
            if (colon < 0)
            {
                return Fail($"option '{spec.Name}' needs a value, as {spec.Name}:value");
            }

            var bit = 1u << index;
            if ((seen & bit) != 0)
            {
                return Fail($"option '{spec.Name}' is given twice");
            }

            seen |= bit;
            if (spec.Apply(item[(colon + 1)..], ref draft) is { } error)
            {
                return ParseResult.Failure<TransformOptions>(error);
            }

            if (comma < 0)
            {
                break;
            }

            segment = segment[(comma + 1)..];
        }

        if (!DprProductFits(draft.Width, draft.Height, draft.DprHundredths))
        {
            return Fail(DprProductRule);
        }

        return ParseResult.Success(draft.ToOptions());
    }

    /// <summary>
    /// Checks options built in code (not parsed) against the same rules as <see cref="Parse"/>, so that a builder never
    /// writes a URL the edge would refuse. Null when valid.
    /// </summary>
    internal static UrlError? Validate(TransformOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsPassThrough)
        {
            return options == TransformOptions.PassThrough
                ? null
                : UrlError.Options("pass-through options ('-') cannot carry other options");
        }

        if (options.Width is { } w && w is < 1 or > MaxSide)
        {
            return UrlError.Options(WidthRule);
        }

        if (options.Height is { } h && h is < 1 or > MaxSide)
        {
            return UrlError.Options(HeightRule);
        }

        int? dprHundredths = null;
        if (options.Dpr is { } dpr)
        {
            if (!TryGetHundredths(dpr, out var hundredths))
            {
                return UrlError.Options(DprRule);
            }

            dprHundredths = hundredths;
        }

        if (!DprProductFits(options.Width, options.Height, dprHundredths))
        {
            return UrlError.Options(DprProductRule);
        }

        if (options.Fit is { } fit && !Enum.IsDefined(fit))
        {
            return UrlError.Options(FitRule);
        }

        if (options.Gravity is { } g && (!Enum.IsDefined(g.Kind)
            || (g.Kind == GravityKind.FocalPoint && !(IsFraction(g.X) && IsFraction(g.Y)))))
        {
            return UrlError.Options(GravityRule);
        }

        if (options.Crop is { } crop && (crop.X < 0 || crop.Y < 0 || crop.Width < 1 || crop.Height < 1))
        {
            return UrlError.Options(CropRule);
        }

        if (options.Rotate is { } rot && rot is not (0 or 90 or 180 or 270))
        {
            return UrlError.Options(RotateRule);
        }

        if (options.Flip is { } flip && flip is not (FlipMode.Horizontal or FlipMode.Vertical or FlipMode.Both))
        {
            return UrlError.Options(FlipRule);
        }

        if (options.Blur is { } blur && !(blur >= MinBlur && blur <= MaxBlur))
        {
            return UrlError.Options(BlurRule);
        }

        if (options.Sharpen is { } sharpen && !(sharpen >= MinSharpen && sharpen <= MaxSharpen))
        {
            return UrlError.Options(SharpenRule);
        }

        if (options.Quality is { } q && q is < 1 or > 100)
        {
            return UrlError.Options(QualityRule);
        }

        if (options.Format is { } f && !Enum.IsDefined(f))
        {
            return UrlError.Options(FormatRule);
        }

        if (options.ExpiresAt is < 0)
        {
            return UrlError.Options(ExpiryRule);
        }

        if (options.Version is { } v && !IsVersion(v))
        {
            return UrlError.Options(VersionRule);
        }

        if (options.Preset is { } p && !IsPreset(p))
        {
            return UrlError.Options(PresetRule);
        }

        var hasAny = options.Width is not null || options.Height is not null || options.Dpr is not null || options.Fit is not null
            || options.Gravity is not null || options.Crop is not null || options.Rotate is not null || options.Flip is not null
            || options.Blur is not null || options.Sharpen is not null || options.Quality is not null || options.Format is not null
            || options.Background is not null || options.Upscale is not null || options.ExpiresAt is not null
            || options.Version is not null || options.Preset is not null;
        return hasAny ? null : UrlError.Options("options segment is empty; use '-' for no transformation");
    }

    /// <summary>A dpr as exact hundredths, when it is within 1..4 and has at most two decimals.</summary>
    internal static bool TryGetHundredths(double dpr, out int hundredths)
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

    private static bool DprProductFits(int? width, int? height, int? dprHundredths)
    {
        var dpr = dprHundredths ?? 100;
        return (long)(width ?? 0) * dpr <= MaxSide * 100L && (long)(height ?? 0) * dpr <= MaxSide * 100L;
    }

    private static bool IsFraction(double value) => value is >= 0 and <= 1;

    internal static bool IsVersion(ReadOnlySpan<char> value) =>
        value.Length is >= 1 and <= MaxVersionLength
        && !value.ContainsAnyExcept(Charsets.Version);

    internal static bool IsPreset(ReadOnlySpan<char> value) =>
        value.Length is >= 1 and <= MaxPresetLength && !value.ContainsAnyExcept(Charsets.LowerAlnumDash);

    private static int IndexOf(ReadOnlySpan<char> name)
    {
        for (var i = 0; i < Specs.Length; i++)
        {
            if (name.SequenceEqual(Specs[i].Name))
            {
                return i;
            }
        }

        return -1;
    }

    private static ParseResult<TransformOptions> Fail(string detail) =>
        ParseResult.Failure<TransformOptions>(UrlError.Options(detail));

    private static UrlError? ApplyWidth(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseInteger(value, MaxSide, out var w) || w < 1)
        {
            return UrlError.Options(WidthRule);
        }

        draft.Width = (int)w;
        return null;
    }

    private static UrlError? ApplyHeight(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseInteger(value, MaxSide, out var h) || h < 1)
        {
            return UrlError.Options(HeightRule);
        }

        draft.Height = (int)h;
        return null;
    }

    private static UrlError? ApplyDpr(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseHundredths(value, MaxDprHundredths, out var hundredths) || hundredths < MinDprHundredths)
        {
            return UrlError.Options(DprRule);
        }

        draft.DprHundredths = hundredths;
        return null;
    }

    private static UrlError? ApplyFit(ReadOnlySpan<char> value, ref Draft draft)
    {
        FitMode? fit = value switch
        {
            "cover" => FitMode.Cover,
            "contain" => FitMode.Contain,
            "fill" => FitMode.Fill,
            "inside" => FitMode.Inside,
            "outside" => FitMode.Outside,
            _ => null,
        };
        if (fit is null)
        {
            return UrlError.Options(FitRule);
        }

        draft.Fit = fit;
        return null;
    }

    private static UrlError? ApplyGravity(ReadOnlySpan<char> value, ref Draft draft)
    {
        GravityKind? kind = value switch
        {
            "center" => GravityKind.Center,
            "n" => GravityKind.North,
            "s" => GravityKind.South,
            "e" => GravityKind.East,
            "w" => GravityKind.West,
            "ne" => GravityKind.NorthEast,
            "nw" => GravityKind.NorthWest,
            "se" => GravityKind.SouthEast,
            "sw" => GravityKind.SouthWest,
            "smart" => GravityKind.Smart,
            _ => null,
        };
        if (kind is { } known)
        {
            draft.Gravity = new Gravity(known);
            return null;
        }

        if (!value.StartsWith("fp:"))
        {
            return UrlError.Options(GravityRule);
        }

        var point = value[3..];
        var colon = point.IndexOf(':');
        if (colon < 0
            || !NumberSyntax.TryParseDecimal(point[..colon], out var x)
            || !NumberSyntax.TryParseDecimal(point[(colon + 1)..], out var y)
            || !IsFraction(x)
            || !IsFraction(y))
        {
            return UrlError.Options(GravityRule);
        }

        draft.Gravity = new Gravity(GravityKind.FocalPoint, x, y);
        return null;
    }

    private static UrlError? ApplyCrop(ReadOnlySpan<char> value, ref Draft draft)
    {
        Span<Range> parts = stackalloc Range[5];
        if (value.Split(parts, ':') != 4
            || !NumberSyntax.TryParseInteger(value[parts[0]], int.MaxValue, out var x)
            || !NumberSyntax.TryParseInteger(value[parts[1]], int.MaxValue, out var y)
            || !NumberSyntax.TryParseInteger(value[parts[2]], int.MaxValue, out var w)
            || !NumberSyntax.TryParseInteger(value[parts[3]], int.MaxValue, out var h)
            || w < 1
            || h < 1)
        {
            return UrlError.Options(CropRule);
        }

        draft.Crop = new CropRect((int)x, (int)y, (int)w, (int)h);
        return null;
    }

    private static UrlError? ApplyRotate(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseInteger(value, 270, out var rot) || rot is not (0 or 90 or 180 or 270))
        {
            return UrlError.Options(RotateRule);
        }

        draft.Rotate = (int)rot;
        return null;
    }

    private static UrlError? ApplyFlip(ReadOnlySpan<char> value, ref Draft draft)
    {
        FlipMode? flip = value switch
        {
            "h" => FlipMode.Horizontal,
            "v" => FlipMode.Vertical,
            "hv" => FlipMode.Both,
            _ => null,
        };
        if (flip is null)
        {
            return UrlError.Options(FlipRule);
        }

        draft.Flip = flip;
        return null;
    }

    private static UrlError? ApplyBlur(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseDecimal(value, out var sigma) || !(sigma >= MinBlur && sigma <= MaxBlur))
        {
            return UrlError.Options(BlurRule);
        }

        draft.Blur = sigma;
        return null;
    }

    private static UrlError? ApplySharpen(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseDecimal(value, out var sigma) || !(sigma >= MinSharpen && sigma <= MaxSharpen))
        {
            return UrlError.Options(SharpenRule);
        }

        draft.Sharpen = sigma;
        return null;
    }

    private static UrlError? ApplyQuality(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseInteger(value, 100, out var q) || q < 1)
        {
            return UrlError.Options(QualityRule);
        }

        draft.Quality = (int)q;
        return null;
    }

    private static UrlError? ApplyFormat(ReadOnlySpan<char> value, ref Draft draft)
    {
        ImageFormat? format = value switch
        {
            "jpeg" => ImageFormat.Jpeg,
            "png" => ImageFormat.Png,
            "webp" => ImageFormat.Webp,
            "auto" => ImageFormat.Auto,
            _ => null,
        };
        if (format is null)
        {
            return UrlError.Options(FormatRule);
        }

        draft.Format = format;
        return null;
    }

    private static UrlError? ApplyBackground(ReadOnlySpan<char> value, ref Draft draft)
    {
        Span<byte> rgba = stackalloc byte[4];
        rgba[3] = 255;
        if (value.Length is not (6 or 8))
        {
            return UrlError.Options(BackgroundRule);
        }

        for (var i = 0; i < value.Length / 2; i++)
        {
            var high = HexValue(value[2 * i]);
            var low = HexValue(value[(2 * i) + 1]);
            if (high < 0 || low < 0)
            {
                return UrlError.Options(BackgroundRule);
            }

            rgba[i] = (byte)((high << 4) | low);
        }

        draft.Background = new RgbaColor(rgba[0], rgba[1], rgba[2], rgba[3]);
        return null;
    }

    private static UrlError? ApplyUpscale(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseInteger(value, 1, out var up))
        {
            return UrlError.Options(UpscaleRule);
        }

        draft.Upscale = up == 1;
        return null;
    }

    private static UrlError? ApplyExpiry(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!NumberSyntax.TryParseInteger(value, long.MaxValue / 10, out var seconds))
        {
            return UrlError.Options(ExpiryRule);
        }

        draft.ExpiresAt = seconds;
        return null;
    }

    private static UrlError? ApplyVersion(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!IsVersion(value))
        {
            return UrlError.Options(VersionRule);
        }

        draft.Version = value.ToString();
        return null;
    }

    private static UrlError? ApplyPreset(ReadOnlySpan<char> value, ref Draft draft)
    {
        if (!IsPreset(value))
        {
            return UrlError.Options(PresetRule);
        }

        draft.Preset = value.ToString();
        return null;
    }

    internal static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Fields gathered while parsing; one <see cref="TransformOptions"/> is allocated at the end.</summary>
    private struct Draft
    {
        public int? Width;
        public int? Height;
        public int? DprHundredths;
        public FitMode? Fit;
        public Gravity? Gravity;
        public CropRect? Crop;
        public int? Rotate;
        public FlipMode? Flip;
        public double? Blur;
        public double? Sharpen;
        public int? Quality;
        public ImageFormat? Format;
        public RgbaColor? Background;
        public bool? Upscale;
        public long? ExpiresAt;
        public string? Version;
        public string? Preset;

        public readonly TransformOptions ToOptions() => new()
        {
            Width = Width,
            Height = Height,
            Dpr = DprHundredths / 100.0,
            Fit = Fit,
            Gravity = Gravity,
            Crop = Crop,
            Rotate = Rotate,
            Flip = Flip,
            Blur = Blur,
            Sharpen = Sharpen,
            Quality = Quality,
            Format = Format,
            Background = Background,
            Upscale = Upscale,
            ExpiresAt = ExpiresAt,
            Version = Version,
            Preset = Preset,
        };
    }
}
