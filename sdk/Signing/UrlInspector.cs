using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Signing;

/// <summary>The checks an image URL goes through at the edge, in the order the edge runs them.</summary>
public enum UrlCheck
{
    /// <summary>A signature segment is present (<see cref="ImageUrl.SplitSignature"/>).</summary>
    Split,
    /// <summary>The signature is well formed, its key can verify, and the MAC matches (<see cref="SignatureVerifier.Verify(ReadOnlySpan{char}, ReadOnlySpan{char}, ISigningKeyProvider)"/>).</summary>
    Signature,
    /// <summary>The key is bound to the URL's tenant (<see cref="SigningKey.Tenants"/>).</summary>
    KeyTenant,
    /// <summary>The options segment follows the grammar and ranges (<see cref="OptionsParser.Parse"/>).</summary>
    Options,
    /// <summary>The tenant segment is present and well formed.</summary>
    Tenant,
    /// <summary>The path is present, well encoded, short enough and safe.</summary>
    Path,
    /// <summary><c>exp</c>, when given, has not passed (<see cref="ExpiryCheck.CheckExpiry(TransformOptions, DateTimeOffset)"/>).</summary>
    Expiry,
}

/// <summary>How one check went.</summary>
public enum UrlCheckOutcome
{
    /// <summary>The check ran and passed.</summary>
    Passed,
    /// <summary>The check ran and refused the URL.</summary>
    Failed,
    /// <summary>The check did not run because an earlier one failed; the edge stops at the first failure.</summary>
    NotReached,
}

/// <summary>One check's outcome; <see cref="Error"/> is set when it failed.</summary>
/// <param name="Check">Which check.</param>
/// <param name="Outcome">How it went.</param>
/// <param name="Error">The refusal, with the status and public detail the edge answers with.</param>
public sealed record UrlCheckResult(UrlCheck Check, UrlCheckOutcome Outcome, UrlError? Error = null);

/// <summary>Every check's outcome for one URL, and the parsed URL when all passed.</summary>
/// <param name="Checks">One result per <see cref="UrlCheck"/>, in order.</param>
/// <param name="Url">The parsed URL when it got that far (it may still have expired).</param>
public sealed record UrlInspection(IReadOnlyList<UrlCheckResult> Checks, ImageUrl? Url)
{
    /// <summary>The first failure, which is what the edge answers with; null when the URL would be served.</summary>
    public UrlError? Error => Checks.FirstOrDefault(c => c.Outcome == UrlCheckOutcome.Failed)?.Error;

    /// <summary>True when every check passed.</summary>
    public bool IsAccepted => Error is null;
}

/// <summary>
/// Runs the edge's checks on a request path in the edge's order (split, signature, key's tenant, options, tenant, path, expiry) and
/// reports each one, for support tools that must say exactly why a URL is refused. It composes the same functions the
/// edge calls, so it cannot disagree with the edge about the verdict.
/// </summary>
public static class UrlInspector
{
    /// <summary>Inspects a request path.</summary>
    /// <param name="rawPath">The path exactly as on the wire, from its leading '/', without query.</param>
    /// <param name="keys">The keys the edge holds.</param>
    /// <param name="now">The instant to judge <c>exp</c> against.</param>
    public static UrlInspection Inspect(string rawPath, ISigningKeyProvider keys, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rawPath);
        ArgumentNullException.ThrowIfNull(keys);
        var results = new List<UrlCheckResult>(7);
        ImageUrl? url = null;
        UrlError? failure = null;

        void Record(UrlCheck check, UrlError? error)
        {
            if (failure is not null)
            {
                results.Add(new UrlCheckResult(check, UrlCheckOutcome.NotReached));
                return;
            }

            failure = error;
            results.Add(new UrlCheckResult(check, error is null ? UrlCheckOutcome.Passed : UrlCheckOutcome.Failed, error));
        }

        var split = ImageUrl.SplitSignature(rawPath);
        Record(UrlCheck.Split, split.Error);
        var signature = split.IsSuccess ? SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, keys) : null;
        Record(UrlCheck.Signature, signature is { Kind: not UrlErrorKind.KeyNotValidForTenant } ? signature : null);
        Record(UrlCheck.KeyTenant, signature is { Kind: UrlErrorKind.KeyNotValidForTenant } ? signature : null);

        UrlError? parseError = null;
        if (failure is null)
        {
            var parsed = ImageUrl.Parse(rawPath);
            url = parsed.Value;
            parseError = parsed.Error;
        }

        // Parse stops at the first broken segment: the ones before it passed, the one it names failed.
        Record(UrlCheck.Options, parseError is { Kind: UrlErrorKind.InvalidOptions } ? parseError : null);
        Record(UrlCheck.Tenant, parseError is { Kind: UrlErrorKind.InvalidTenant } ? parseError : null);
        Record(UrlCheck.Path, parseError is { Kind: UrlErrorKind.InvalidPath } ? parseError : null);
        Record(UrlCheck.Expiry, url is null ? null : ExpiryCheck.CheckExpiry(url.Options, now));
        return new UrlInspection(results, url);
    }
}
