namespace EdgeImages.Sdk.Urls;

/// <summary>
/// Parses the options segment of an image URL (URL format version 1): <c>-</c>, or <c>name:value</c> items joined by
/// commas. Total: every input gives options or a <see cref="UrlErrorKind.InvalidOptions"/> error, never an exception.
/// </summary>
/// <remarks>
/// As in imgproxy, each option name maps to one descriptor (<see cref="UrlOptions"/>) that reads and checks its value;
/// an unknown name is an error rather than ignored, so a typo in a URL fails loudly instead of serving the wrong image.
/// This type only splits the list and applies the rules about the list itself.
/// </remarks>
public static class OptionsParser
{
    internal const int MaxSide = UrlOptions.MaxSide;

    internal const string EmptyDetail = "options segment is empty; use '-' for no transformation";

    // "... (no '-', exp, p or v)": the options that are not transformations, from the table.
    private static readonly string PresetRule = string.Concat(
        "a preset holds transformation options only (no '-', ",
        string.Join(", ", NonTransformNames[..^1]),
        " or ",
        NonTransformNames[^1],
        ")");

    /// <summary>The names of every option, in canonical order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. UrlOptions.All.Select(option => option.Name)];

    private static string[] NonTransformNames => [.. UrlOptions.All.Where(o => o.Role != OptionRole.Transform).Select(o => o.Name)];

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
            return Fail(EmptyDetail);
        }

        var values = default(OptionValues);
        var seen = 0UL; // bit i: UrlOptions.All[i] was given
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
            if (UrlOptions.Find(name, out var index) is not { } option)
            {
                return Fail(name.IsEmpty ? "option name is empty" : $"unknown option '{UrlError.Quote(name)}'");
            }

            if (colon < 0)
            {
                return Fail($"option '{option.Name}' needs a value, as {option.Name}:value");
            }

            var bit = 1UL << index;
            if ((seen & bit) != 0)
            {
                return Fail($"option '{option.Name}' is given twice");
            }

            seen |= bit;
            if (!option.TryRead(item[(colon + 1)..], ref values))
            {
                return Fail(option.Rule);
            }

            if (comma < 0)
            {
                break;
            }

            segment = segment[(comma + 1)..];
        }

        return UrlOptions.CheckTogether(ref values) is { } error
            ? ParseResult.Failure<TransformOptions>(error)
            : ParseResult.Success(new TransformOptions(values));
    }

    /// <summary>
    /// Reads a preset's definition: an options segment that holds transformation options only, since a preset cannot
    /// pin a version, expire or name another preset.
    /// </summary>
    /// <param name="segment">The preset's options, e.g. <c>w:200,h:200,fit:cover</c>.</param>
    /// <returns>The options, or the error naming the first broken rule.</returns>
    public static ParseResult<TransformOptions> ParsePreset(ReadOnlySpan<char> segment)
    {
        var parsed = Parse(segment);
        if (!parsed.IsSuccess)
        {
            return parsed;
        }

        var values = parsed.Value.Values;
        var transformOnly = !parsed.Value.IsPassThrough
            && !UrlOptions.All.Any(option => option.Role != OptionRole.Transform && option.IsSet(ref values));
        return transformOnly ? parsed : Fail(PresetRule);
    }

    /// <summary>
    /// Checks the rules that involve more than one option (<c>dpr</c> times <c>w</c> or <c>h</c>) on options put together
    /// from segments that were each read alone: a URL and the preset it names (<see cref="TransformOptions.WithPreset"/>),
    /// where a URL's <c>dpr:2</c> and a preset's <c>w:5000</c> each pass and together do not.
    /// </summary>
    /// <param name="options">The merged options.</param>
    /// <returns>Null when the rules hold, else an <see cref="UrlErrorKind.InvalidOptions"/> error.</returns>
    public static UrlError? CheckTogether(TransformOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var values = options.Values;
        return UrlOptions.CheckTogether(ref values);
    }

    /// <summary>
    /// Checks options built in code (not parsed) against the same rules as <see cref="Parse"/>, so that a builder never
    /// writes a URL the edge would refuse: <c>Parse(CanonicalOptions.FormatForUrl(options))</c>, item by item first so
    /// that a value the URL cannot carry (a dpr of 1.555, an undefined enum, a comma in a version) is refused with its
    /// own option's rule. Null when valid.
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

        var values = options.Values;
        var any = false;
        foreach (var option in UrlOptions.All)
        {
            if (!option.IsSet(ref values))
            {
                continue;
            }

            any = true;
            if (!option.RoundTrips(ref values))
            {
                return UrlError.Options(option.Rule);
            }
        }

        // The canonical writer spells "nothing" as f:auto for cache keys; a builder must not turn it into a transform.
        return any ? Parse(CanonicalOptions.FormatForUrl(options)).Error : UrlError.Options(EmptyDetail);
    }

    private static ParseResult<TransformOptions> Fail(string detail) =>
        ParseResult.Failure<TransformOptions>(UrlError.Options(detail));
}
