using System.Buffers.Text;
using System.Security.Cryptography;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Signing;

/// <summary>
/// Checks a URL signature against the signed message. Every failure is a 403 whose detail names the check that failed
/// (shape, key, match) and never anything about the expected bytes.
/// </summary>
public static class SignatureVerifier
{
    private const string MalformedDetail = "signature is malformed; expected {kid}.{mac} with a key id of [a-z0-9-]{1,16} and a 22-character base64url MAC";

    /// <summary>Verifies <c>{kid}.{mac}</c> over the message; allocation-free on success.</summary>
    /// <param name="signatureSegment">The first path segment, as from <see cref="SignedPath.Signature"/>.</param>
    /// <param name="signedMessage">The rest of the wire path from its leading '/', as from <see cref="SignedPath.SignedMessage"/>.</param>
    /// <param name="keys">Where keys are looked up. Active and verify-only keys verify; retired ones do not.</param>
    /// <returns>Null when the signature is valid and its key is bound to the message's tenant, else a 403 error:
    /// <see cref="UrlErrorKind.SignatureMalformed"/>, <see cref="UrlErrorKind.UnknownKey"/>, <see cref="UrlErrorKind.SignatureMismatch"/>
    /// or <see cref="UrlErrorKind.KeyNotValidForTenant"/>.</returns>
    public static UrlError? Verify(ReadOnlySpan<char> signatureSegment, ReadOnlySpan<char> signedMessage, ISigningKeyProvider keys) =>
        Verify(signatureSegment, signedMessage, keys, out _);

    /// <summary>
    /// <see cref="Verify(ReadOnlySpan{char}, ReadOnlySpan{char}, ISigningKeyProvider)"/>, telling which key verified: the
    /// object the provider held when it did, for a caller that remembers verified URLs only while that key is unchanged.
    /// </summary>
    /// <param name="signatureSegment">The first path segment.</param>
    /// <param name="signedMessage">The rest of the wire path from its leading '/'.</param>
    /// <param name="keys">Where keys are looked up.</param>
    /// <param name="verifiedBy">The key that verified the signature; null when the answer is an error.</param>
    public static UrlError? Verify(ReadOnlySpan<char> signatureSegment, ReadOnlySpan<char> signedMessage, ISigningKeyProvider keys, out SigningKey? verifiedBy)
    {
        ArgumentNullException.ThrowIfNull(keys);
        verifiedBy = null;
        var dot = signatureSegment.IndexOf('.');
        if (dot < 0)
        {
            return Malformed();
        }

        var kid = signatureSegment[..dot];
        var macText = signatureSegment[(dot + 1)..];
        Span<byte> given = stackalloc byte[UrlSigner.MacBytes];
        if (!SigningKey.IsValidId(kid) || !TryDecodeMac(macText, given))
        {
            return Malformed();
        }

        if (!keys.TryGetKey(kid, out var key))
        {
            return new UrlError(UrlErrorKind.UnknownKey, $"signing key '{kid}' is unknown");
        }

        if (key.State == SigningKeyState.Retired)
        {
            return new UrlError(UrlErrorKind.UnknownKey, $"signing key '{kid}' is retired");
        }

        Span<byte> expected = stackalloc byte[UrlSigner.MacBytes];
        UrlSigner.ComputeMac(key.Secret, signedMessage, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return new UrlError(UrlErrorKind.SignatureMismatch, "signature does not match the URL");
        }

        // The binding is checked after the MAC, as the contract orders it: only a genuine signature learns that its key
        // is bound elsewhere, and either way the answer is 403 before anything is fetched, counted or looked up.
        if (!key.Tenants.Allows(UrlSigner.TenantOf(signedMessage)))
        {
            return new UrlError(UrlErrorKind.KeyNotValidForTenant, $"signing key '{kid}' is not valid for this tenant");
        }

        verifiedBy = key;
        return null;
    }

    /// <summary>
    /// Decodes exactly 22 base64url characters into 16 bytes. The last character carries 4 unused bits, which must be
    /// zero: otherwise 16 spellings of one MAC would all verify, and a signature would not be one string per URL.
    /// </summary>
    private static bool TryDecodeMac(ReadOnlySpan<char> text, Span<byte> mac)
    {
        if (text.Length != UrlSigner.MacChars || text.ContainsAnyExcept(Charsets.Base64Url))
        {
            return false;
        }

        if ((Base64Value(text[^1]) & 0x0F) != 0)
        {
            return false;
        }

        return Base64Url.TryDecodeFromChars(text, mac, out var written) && written == UrlSigner.MacBytes;
    }

    private static int Base64Value(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };

    private static UrlError Malformed() => new(UrlErrorKind.SignatureMalformed, MalformedDetail);
}
