using System.Text;
using EdgeImages.Sdk.Signing;

namespace EdgeImages.Sdk.Urls;

/// <summary>
/// Writes signed image URLs: options in canonical form, the path percent-encoded per segment, the signature over
/// exactly those bytes. Everything it writes passes <see cref="ImageUrl.Parse"/> and <see cref="SignatureVerifier.Verify(ReadOnlySpan{char}, ReadOnlySpan{char}, ISigningKeyProvider)"/>;
/// input the edge would refuse is refused here, with the same detail, instead of producing a URL that fails later.
/// </summary>
public sealed class ImageUrlBuilder
{
    private readonly SigningKey _key;

    /// <summary>Creates a builder that signs with one key.</summary>
    /// <param name="key">An active key.</param>
    /// <exception cref="ArgumentException">The key is not active.</exception>
    public ImageUrlBuilder(SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.State != SigningKeyState.Active)
        {
            throw new ArgumentException($"key '{key.Id}' is {key.State} and may not sign; use an active key", nameof(key));
        }

        _key = key;
    }

    /// <summary>Builds the signed request path <c>/{sig}/{options}/{tenant}/{encoded path}</c>.</summary>
    /// <param name="options">The transformation; <see cref="TransformOptions.PassThrough"/> for the original.</param>
    /// <param name="tenant">1 to 63 characters of <c>[a-z0-9-]</c>.</param>
    /// <param name="path">The decoded path at the origin, segments separated by '/', e.g. <c>a b/café.png</c>.</param>
    /// <exception cref="ArgumentException">Options, tenant or path break a rule of the URL format; the message is the
    /// <see cref="UrlError.Detail"/> the edge would answer with.</exception>
    public string Build(TransformOptions options, string tenant, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(path);
        if (OptionsParser.Validate(options) is { } optionsError)
        {
            throw new ArgumentException(optionsError.Detail, nameof(options));
        }

        if (PathRules.ValidateTenant(tenant) is { } tenantError)
        {
            throw new ArgumentException(tenantError.Detail, nameof(tenant));
        }

        var message = new StringBuilder(path.Length * 2);
        message.Append('/').Append(CanonicalOptions.FormatForUrl(options)).Append('/').Append(tenant).Append('/');
        var pathStart = message.Length;
        foreach (var segment in path.AsSpan().Split('/'))
        {
            if (message.Length > pathStart)
            {
                message.Append('/');
            }

            try
            {
                PathRules.AppendEncodedSegment(message, path.AsSpan()[segment]);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException(e.Message, nameof(path), e);
            }
        }

        // The path rules are checked on the encoded form by the parser's own decoder, so the two cannot disagree.
        var encoded = message.ToString();
        if (PathRules.Decode(encoded.AsSpan(pathStart), out _) is { } pathError)
        {
            throw new ArgumentException(pathError.Detail, nameof(path));
        }

        return string.Concat("/", UrlSigner.Sign(_key, encoded), encoded);
    }

    /// <summary>Builds an absolute URL: the signed path appended to the edge's base address.</summary>
    /// <param name="baseUri">The edge, e.g. <c>https://img.example.com/</c>; an absolute URI without query or fragment.
    /// A path prefix is kept (it is not part of the signed message).</param>
    /// <param name="options">The transformation.</param>
    /// <param name="tenant">The tenant.</param>
    /// <param name="path">The decoded path at the origin.</param>
    /// <returns>The URL as a string, because <see cref="Uri.ToString"/> would unescape the path.</returns>
    public string Build(Uri baseUri, TransformOptions options, string tenant, string path)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        if (!baseUri.IsAbsoluteUri || baseUri.Query.Length > 0 || baseUri.Fragment.Length > 0)
        {
            throw new ArgumentException("base URI must be absolute, without query or fragment", nameof(baseUri));
        }

        return string.Concat(baseUri.AbsoluteUri.AsSpan().TrimEnd('/'), Build(options, tenant, path));
    }
}
