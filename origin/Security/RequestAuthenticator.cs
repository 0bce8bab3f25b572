using System.Security.Cryptography;
using System.Text;
using EdgeImages.Origin.Http;
using EdgeImages.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Security;

/// <summary>
/// Who may do what. Reads need an edge credential; writes and listings need an API key of the tenant named in
/// the URL; key management needs the admin token. Every comparison of a secret is in constant time, over
/// SHA-256 digests so that lengths do not leak either. 401 means no valid credential at all (with
/// <c>WWW-Authenticate: Bearer</c>); 403 means a valid credential that may not do this.
/// </summary>
internal sealed class RequestAuthenticator
{
    private readonly KeyStore _keys;
    private readonly byte[][] _edgeDigests;
    private readonly byte[]? _adminDigest;

    public RequestAuthenticator(KeyStore keys, IOptions<SecurityOptions> options)
    {
        _keys = keys;
        _edgeDigests = [.. options.Value.EdgeCredentials.Values.Select(Digest)];
        _adminDigest = options.Value.AdminToken is { } admin ? Digest(admin) : null;
    }

    /// <summary>GET and HEAD: an edge credential.</summary>
    public void RequireEdge(HttpContext context)
    {
        var token = BearerToken(context) ?? throw OriginProblemException.Unauthorized("Reads need an edge credential (Authorization: Bearer).");
        if (!IsEdgeCredential(token))
        {
            throw OriginProblemException.Unauthorized("The credential is not an edge credential.");
        }
    }

    /// <summary>PUT, DELETE and listings: an active API key of <paramref name="tenant"/>.</summary>
    public async Task RequireTenantKeyAsync(HttpContext context, string tenant, CancellationToken cancellationToken)
    {
        var token = BearerToken(context) ?? throw OriginProblemException.Unauthorized("Writes need a tenant API key (Authorization: Bearer).");
        if (IsEdgeCredential(token))
        {
            throw OriginProblemException.Forbidden("Edge credentials may only read.");
        }

        if (!ApiKeys.TryGetKeyId(token, out var keyId)
            || await _keys.FindActiveAsync(keyId, cancellationToken).ConfigureAwait(false) is not { } stored
            || !CryptographicOperations.FixedTimeEquals(ApiKeys.Hash(token), stored.Hash))
        {
            throw OriginProblemException.Unauthorized("The API key is unknown or revoked.");
        }

        if (!string.Equals(stored.Tenant, tenant, StringComparison.Ordinal))
        {
            throw OriginProblemException.Forbidden("The API key belongs to another tenant.");
        }
    }

    /// <summary>Key management: the admin token.</summary>
    public void RequireAdmin(HttpContext context)
    {
        var token = BearerToken(context);
        if (token is null || _adminDigest is null || !CryptographicOperations.FixedTimeEquals(Digest(token), _adminDigest))
        {
            throw OriginProblemException.Unauthorized("Key management needs the admin token.");
        }
    }

    private bool IsEdgeCredential(string token)
    {
        var digest = Digest(token);
        var match = false;

        // No early exit: the time taken does not say which credential, if any, matched.
        foreach (var candidate in _edgeDigests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, candidate);
        }

        return match;
    }

    private static string? BearerToken(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
