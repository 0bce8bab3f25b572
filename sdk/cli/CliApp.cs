using System.Globalization;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Cli;

/// <summary>
/// <c>edgeimages sign</c> and <c>edgeimages verify</c>. Everything the process touches (output, environment, clock)
/// comes in as a parameter, so tests run the real entry point in-process.
/// </summary>
internal static class CliApp
{
    public const int Ok = 0;
    public const int Refused = 1;
    public const int Usage = 2;

    /// <summary>Secrets may come from here (<c>k1=hex,k2=hex</c>) instead of the command line, out of shell history.</summary>
    public const string KeysVariable = "EDGEIMAGES_KEYS";

    private const string Help = """
        edgeimages: sign EdgeImages URLs and explain refusals (URL format version 1).

        edgeimages sign --key <kid> [--secret <hex>] --tenant <tenant> --path <path> [--options <segment>]
                        [--w N] [--h N] [--fit F] [--g G] [--q N] [--f F] [--dpr D] ... (any option name as --name)
                        [--base https://img.example.com]
          Prints the signed URL. --path is decoded (a b/café.png); it is percent-encoded for you.
          Without --options or option flags the URL serves the original (-).

        edgeimages verify --key <kid>=<hex> [--key <kid>=<hex> ...] [--now <unix seconds>] <url or path>
          Runs the edge's checks in the edge's order (split, signature, options, tenant, path, expiry), prints each
          with PASS or FAIL, and exits 1 when the URL would be refused, 0 when it would be served.

        Secrets: instead of --secret or --key kid=hex, set EDGEIMAGES_KEYS="k1=<hex>,k2=<hex>" to keep them out of
        shell history; with sign, --key then names which key signs.
        Exit codes: 0 ok, 1 refused, 2 usage error.
        """;

    private static readonly string[] OptionNames = [.. OptionsParser.Names];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Help);
            return args.Length == 0 ? Usage : Ok;
        }

        try
        {
            var parsed = Arguments.Parse(args.AsSpan(1));
            return args[0] switch
            {
                "sign" => Sign(parsed, stdout, environment),
                "verify" => Verify(parsed, stdout, environment, time),
                _ => throw new UsageException($"unknown command '{args[0]}'; use sign or verify"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"edgeimages: {e.Message}");
            stderr.WriteLine("Run 'edgeimages --help' for usage.");
            return Usage;
        }
    }

    private static int Sign(Arguments args, TextWriter stdout, Func<string, string?> environment)
    {
        args.RejectPositionals();
        var keyId = args.Single("key") ?? throw new UsageException("sign needs --key <kid>");
        var secretHex = args.Single("secret")
            ?? (EnvironmentKeys(environment).TryGetValue(keyId, out var fromEnvironment) ? fromEnvironment
                : throw new UsageException($"no secret for key '{keyId}': pass --secret <hex> or set {KeysVariable}=\"{keyId}=<hex>\""));
        var tenant = args.Single("tenant") ?? throw new UsageException("sign needs --tenant <tenant>");
        var path = args.Single("path") ?? throw new UsageException("sign needs --path <path>");

        var items = new List<string>();
        if (args.Single("options") is { } segment)
        {
            items.Add(segment);
        }

        foreach (var name in OptionNames)
        {
            if (args.Single(name) is { } value)
            {
                items.Add($"{name}:{value}");
            }
        }

        args.RejectUnknown(["key", "secret", "tenant", "path", "options", "base", .. OptionNames]);
        try
        {
            var key = new SigningKey(keyId, ParseSecret(keyId, secretHex));
            var options = items.Count == 0 ? TransformOptions.PassThrough : TransformOptions.Parse(string.Join(',', items));
            var builder = new ImageUrlBuilder(key);
            var url = args.Single("base") is { } baseUrl
                ? builder.Build(ParseBase(baseUrl), options, tenant, path)
                : builder.Build(options, tenant, path);
            stdout.WriteLine(url);
            return Ok;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UsageException(e is ArgumentException { ParamName: { } name } a
                ? $"{name}: {a.Message[..a.Message.LastIndexOf(" (Parameter", StringComparison.Ordinal)]}"
                : e.Message);
        }
    }

    private static int Verify(Arguments args, TextWriter stdout, Func<string, string?> environment, TimeProvider time)
    {
        args.RejectUnknown(["key", "now"]);
        var url = args.Positionals switch
        {
            [var one] => one,
            [] => throw new UsageException("verify needs the URL (or its path) to check"),
            _ => throw new UsageException("verify checks one URL at a time; quote it if it has spaces"),
        };

        var keys = EnvironmentKeys(environment);
        foreach (var pair in args.All("key"))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException("verify takes --key <kid>=<hex>");
            }

            keys[pair[..eq]] = pair[(eq + 1)..];
        }

        if (keys.Count == 0)
        {
            throw new UsageException($"verify needs the edge's keys: --key <kid>=<hex>, or {KeysVariable}");
        }

        SigningKeyRing ring;
        try
        {
            ring = new SigningKeyRing(keys.Select(pair => new SigningKey(pair.Key, ParseSecret(pair.Key, pair.Value), SigningKeyState.VerifyOnly)));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        var now = args.Single("now") is { } nowText
            ? long.TryParse(nowText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : throw new UsageException("--now takes unix seconds")
            : time.GetUtcNow();

        var rawPath = RequestPath(url);
        var inspection = UrlInspector.Inspect(rawPath, ring, now);
        stdout.WriteLine($"path     {rawPath}");
        foreach (var check in inspection.Checks)
        {
            var outcome = check.Outcome switch
            {
                UrlCheckOutcome.Passed => "PASS",
                UrlCheckOutcome.Failed => "FAIL",
                _ => "SKIP",
            };
            stdout.WriteLine($"{outcome}  {Name(check.Check),-9} {Explain(check, inspection, now)}");
        }

        if (inspection.Error is { } error)
        {
            stdout.WriteLine($"REFUSED {error.Status} ({error.Kind}): {error.Detail}");
            if (error.Kind == UrlErrorKind.SignatureMismatch && Hint(rawPath) is { } hint)
            {
                stdout.WriteLine(hint);
            }

            return Refused;
        }

        stdout.WriteLine("ACCEPTED: the edge would serve this URL.");
        return Ok;
    }

    private static string Name(UrlCheck check) => check.ToString().ToLowerInvariant();

    private static string Explain(UrlCheckResult check, UrlInspection inspection, DateTimeOffset now)
    {
        if (check.Outcome == UrlCheckOutcome.Failed)
        {
            return check.Error!.Detail;
        }

        if (check.Outcome == UrlCheckOutcome.NotReached)
        {
            return "not checked: the edge stops at the first failure";
        }

        var url = inspection.Url;
        return check.Check switch
        {
            UrlCheck.Split => "signature segment present",
            UrlCheck.Signature => "MAC matches under the named key",
            UrlCheck.Options when url is not null => $"canonical {CanonicalOptions.FormatForUrl(url.Options)}",
            UrlCheck.Tenant when url is not null => url.Tenant,
            UrlCheck.Path when url is not null => url.Path,
            UrlCheck.Expiry when url?.Options.ExpiresAt is { } exp =>
                string.Create(CultureInfo.InvariantCulture, $"exp {exp} is not before now ({now.ToUnixTimeSeconds()})"),
            UrlCheck.Expiry => "no exp: never expires",
            _ => "",
        };
    }

    /// <summary>
    /// A mismatch is most often a URL re-encoded on its way (a proxy, a template, a CMS): if the path parses, say what
    /// the builder would have written, so support can compare the bytes.
    /// </summary>
    private static string? Hint(string rawPath)
    {
        var parsed = ImageUrl.Parse(rawPath);
        if (!parsed.IsSuccess)
        {
            return null;
        }

        var canonical = $"/{CanonicalOptions.FormatForUrl(parsed.Value.Options)}/{parsed.Value.Tenant}/";
        var builder = new System.Text.StringBuilder(canonical);
        var first = true;
        foreach (var segment in parsed.Value.Path.Split('/'))
        {
            builder.Append(first ? "" : "/");
            first = false;
            builder.Append(Uri.EscapeDataString(segment));
        }

        var expected = builder.ToString();
        return string.Equals(expected, parsed.Value.SignedMessage, StringComparison.Ordinal)
            ? "hint: the URL is in canonical form, so the secret or key id differs from the signer's, or the URL was signed for other options or path."
            : $"hint: signers built with the SDK sign {expected}; this URL reads {parsed.Value.SignedMessage}. A difference in order or encoding means it was written by hand or re-encoded on its way.";
    }

    /// <summary>The path of a URL exactly as written: no unescaping (Uri would), query and fragment dropped.</summary>
    private static string RequestPath(string url)
    {
        var text = url.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var slash = text.IndexOf('/', scheme + 3);
            text = slash < 0 ? "/" : text[slash..];
        }

        var end = text.IndexOfAny(['?', '#']);
        return end < 0 ? text : text[..end];
    }

    private static Dictionary<string, string> EnvironmentKeys(Func<string, string?> environment)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (environment(KeysVariable) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"{KeysVariable} holds kid=hex pairs separated by commas");
            }

            keys[pair[..eq]] = pair[(eq + 1)..];
        }

        return keys;
    }

    private static byte[] ParseSecret(string keyId, string hex) =>
        HexSecret.TryParse(hex, out var bytes, out var error) ? bytes : throw new UsageException($"key '{keyId}': {error}");

    private static Uri ParseBase(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new UsageException("--base must be an absolute URL, e.g. https://img.example.com");
}

/// <summary>A mistake in how the command was called; printed with a pointer to --help, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
