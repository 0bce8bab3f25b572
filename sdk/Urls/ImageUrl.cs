namespace EdgeImages.Sdk.Urls;

/// <summary>
/// A request path cut at the signature segment, before anything else is parsed: what the verifier needs.
/// Holds the original string and an offset, so splitting allocates nothing.
/// </summary>
public readonly struct SignedPath : IEquatable<SignedPath>
{
    private readonly int _messageStart;

    internal SignedPath(string rawPath, int messageStart)
    {
        RawPath = rawPath;
        _messageStart = messageStart;
    }

    /// <summary>The whole request path the split was made on.</summary>
    public string RawPath { get; }

    /// <summary>The first segment, without slashes: <c>kid.mac</c> when well formed.</summary>
    public ReadOnlySpan<char> Signature => RawPath.AsSpan(1, _messageStart - 1);

    /// <summary>Everything after the signature segment, from its leading '/', exactly as sent: the signed bytes.</summary>
    public ReadOnlySpan<char> SignedMessage => RawPath.AsSpan(_messageStart);

    /// <inheritdoc/>
    public bool Equals(SignedPath other) => _messageStart == other._messageStart && string.Equals(RawPath, other.RawPath, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SignedPath other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RawPath, _messageStart);

    /// <summary>Compares two splits by path and position.</summary>
    public static bool operator ==(SignedPath left, SignedPath right) => left.Equals(right);

    /// <summary>Compares two splits by path and position.</summary>
    public static bool operator !=(SignedPath left, SignedPath right) => !left.Equals(right);
}

/// <summary>
/// A parsed image URL path, <c>/{signature}/{options}/{tenant}/{path...}</c> (URL format version 1).
/// Parsing checks structure, options, tenant and path, but not the signature: see <see cref="SplitSignature"/>.
/// </summary>
/// <remarks>
/// The edge must check in this order, because the order decides the status a client sees and what an unsigned
/// request can learn:
/// <list type="number">
/// <item><see cref="SplitSignature"/>: no signature segment is 403 (<see cref="UrlErrorKind.SignatureMissing"/>).</item>
/// <item><c>SignatureVerifier.Verify</c> on the split: malformed, unknown key or mismatch is 403. Nothing
/// request-controlled is parsed, logged or looked up before this passes.</item>
/// <item><see cref="Parse"/>: options, tenant and path errors are 400; only a signed URL can get a 400, so a 400 is a
/// bug in whoever signed it, not a probe.</item>
/// <item><c>ExpiryCheck.CheckExpiry</c> on the parsed options: a passed <c>exp</c> is 403.</item>
/// </list>
/// </remarks>
public sealed class ImageUrl
{
    private ImageUrl(string signature, string signedMessage, TransformOptions options, string tenant, string path, string rawPath)
    {
        Signature = signature;
        SignedMessage = signedMessage;
        Options = options;
        Tenant = tenant;
        Path = path;
        RawPath = rawPath;
    }

    /// <summary>The first segment as sent (<c>kid.mac</c> if well formed; not verified here).</summary>
    public string Signature { get; }

    /// <summary>The wire path after the signature segment, from its leading '/', percent-encoding untouched.</summary>
    public string SignedMessage { get; }

    /// <summary>The parsed options segment.</summary>
    public TransformOptions Options { get; }

    /// <summary>The tenant segment, already checked against <c>[a-z0-9-]{1,63}</c>.</summary>
    public string Tenant { get; }

    /// <summary>The decoded path naming the original at the origin: UTF-8 decoded segments joined by '/', all checked.</summary>
    public string Path { get; }

    /// <summary>The path part as sent, still percent-encoded.</summary>
    public string RawPath { get; }

    /// <summary>
    /// Cuts a request path at its signature segment without looking at anything else, so the signature can be checked
    /// before options, tenant or path are parsed.
    /// </summary>
    /// <param name="rawPath">The request path exactly as on the wire, from its leading '/', without the query.</param>
    /// <returns>The split, or <see cref="UrlErrorKind.SignatureMissing"/> when there is no non-empty first segment
    /// followed by another segment.</returns>
    public static ParseResult<SignedPath> SplitSignature(string rawPath)
    {
        ArgumentNullException.ThrowIfNull(rawPath);
        if (rawPath.Length < 2 || rawPath[0] != '/')
        {
            return ParseResult.Failure<SignedPath>(new(UrlErrorKind.SignatureMissing, "signature is missing"));
        }

        var slash = rawPath.IndexOf('/', 1);
        if (slash <= 1)
        {
            return ParseResult.Failure<SignedPath>(new(UrlErrorKind.SignatureMissing, "signature is missing"));
        }

        return ParseResult.Success(new SignedPath(rawPath, slash));
    }

    /// <summary>
    /// Parses a whole request path. Total: any string gives a URL or an error. It does not verify the signature; call it
    /// after <c>SignatureVerifier.Verify</c> has accepted <see cref="SplitSignature"/>'s result.
    /// </summary>
    /// <param name="rawPath">The request path exactly as on the wire, from its leading '/', without the query.</param>
    public static ParseResult<ImageUrl> Parse(string rawPath)
    {
        var split = SplitSignature(rawPath);
        if (!split.IsSuccess)
        {
            return ParseResult.Failure<ImageUrl>(split.Error!);
        }

        var message = split.Value.SignedMessage;

        // message is "/{options}/{tenant}/{path...}"
        var rest = message[1..];
        var slash = rest.IndexOf('/');
        var optionsSegment = slash < 0 ? rest : rest[..slash];
        var options = OptionsParser.Parse(optionsSegment);
        if (!options.IsSuccess)
        {
            return ParseResult.Failure<ImageUrl>(options.Error!);
        }

        if (slash < 0)
        {
            return ParseResult.Failure<ImageUrl>(UrlError.Tenant("tenant is missing"));
        }

        rest = rest[(slash + 1)..];
        slash = rest.IndexOf('/');
        var tenant = slash < 0 ? rest : rest[..slash];
        if (PathRules.ValidateTenant(tenant) is { } tenantError)
        {
            return ParseResult.Failure<ImageUrl>(tenantError);
        }

        if (slash < 0)
        {
            return ParseResult.Failure<ImageUrl>(UrlError.PathError("path is missing"));
        }

        var rawImagePath = rest[(slash + 1)..];
        if (PathRules.Decode(rawImagePath, out var path) is { } pathError)
        {
            return ParseResult.Failure<ImageUrl>(pathError);
        }

        return ParseResult.Success(new ImageUrl(
            split.Value.Signature.ToString(),
            message.ToString(),
            options.Value,
            tenant.ToString(),
            path,
            rawImagePath.ToString()));
    }
}
