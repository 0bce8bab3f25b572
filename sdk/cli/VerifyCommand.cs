using System.CommandLine;
using System.Globalization;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Cli;

/// <summary>
/// <c>edgeimages verify</c>: runs the edge's checks in the edge's order (split, signature, key's tenant, options,
/// tenant, path, expiry), prints each with PASS, FAIL or SKIP, and exits 1 when the URL would be refused.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(Option<FileInfo> keysFile, TextWriter stdout, Func<string, string?> environment, TimeProvider time)
    {
        var url = new Argument<string>("url") { Description = "The URL, or its path, to check; quote it." };
        var now = new Option<long?>("--now") { Description = "Judge exp at this instant (unix seconds) instead of now." };
        var command = new Command("verify", "Explains which check a URL fails, as the edge would judge it.") { url, now };
        command.SetAction(result =>
        {
            var keys = KeySource.Load(result.GetValue(keysFile), environment, SigningKeyState.VerifyOnly);
            if (keys.Count == 0)
            {
                throw new UsageException($"verify needs the edge's keys: --keys-file, or {CliApp.KeysVariable}");
            }

            var instant = result.GetValue(now) is { } seconds
                ? seconds >= 0 && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
                    ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                    : throw new UsageException("--now takes unix seconds")
                : time.GetUtcNow();
            return Report(RequestPath(result.GetValue(url)!), new SigningKeyRing(keys.Values), instant, stdout);
        });
        return command;
    }

    private static int Report(string rawPath, SigningKeyRing ring, DateTimeOffset now, TextWriter stdout)
    {
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
            stdout.WriteLine($"{outcome}  {Name(check.Check),-10} {Explain(check, inspection, now)}");
        }

        if (inspection.Error is { } error)
        {
            stdout.WriteLine($"REFUSED {error.Status} ({error.Kind}): {error.Detail}");
            if (error.Kind == UrlErrorKind.SignatureMismatch && Hint(rawPath) is { } hint)
            {
                stdout.WriteLine(hint);
            }

            return CliApp.Refused;
        }

        stdout.WriteLine("ACCEPTED: the edge would serve this URL.");
        return CliApp.Ok;
    }

    private static string Name(UrlCheck check) => check switch
    {
        UrlCheck.KeyTenant => "key-tenant",
        _ => check.ToString().ToLowerInvariant(),
    };

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
            UrlCheck.KeyTenant => "the key is bound to the URL's tenant",
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
}
