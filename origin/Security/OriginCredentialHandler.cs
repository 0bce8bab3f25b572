using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using EdgeImages.Hosting.Security;
using EdgeImages.Origin.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Security;

/// <summary>
/// Authenticates the origin's three credentials from <c>Authorization: Bearer</c>: an edge credential (reads), the admin
/// token (key management), or a tenant API key (writes and listings of its tenant). Which one a call needs is an
/// authorization policy (<see cref="OriginPolicies"/>). Every comparison of a secret is in constant time, over SHA-256
/// digests so that lengths do not leak either.
/// </summary>
internal sealed class OriginCredentialHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    KeyStore keys,
    IOptions<SecurityOptions> security)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OriginCredential";
    public const string KindClaim = "edgeimages:credential";
    public const string TenantClaim = "edgeimages:tenant";
    public const string Edge = "edge";
    public const string Admin = "admin";
    public const string TenantKey = "tenant-key";

    private readonly byte[][] _edgeDigests = [.. security.Value.EdgeCredentials.Values.Select(Digest)];
    private readonly byte[]? _adminDigest = security.Value.AdminToken is { } admin ? Digest(admin) : null;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken.From(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        var digest = Digest(token);
        if (IsEdgeCredential(digest))
        {
            return Success([new Claim(KindClaim, Edge)]);
        }

        if (_adminDigest is not null && CryptographicOperations.FixedTimeEquals(digest, _adminDigest))
        {
            return Success([new Claim(KindClaim, Admin)]);
        }

        if (ApiKeys.TryGetKeyId(token, out var keyId)
            && await keys.FindActiveAsync(keyId, Context.RequestAborted).ConfigureAwait(false) is { } stored
            && CryptographicOperations.FixedTimeEquals(ApiKeys.Hash(token), stored.Hash))
        {
            return Success([new Claim(KindClaim, TenantKey), new Claim(TenantClaim, stored.Tenant)]);
        }

        return AuthenticateResult.Fail("The credential is unknown or revoked.");
    }

    private static AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private bool IsEdgeCredential(byte[] digest)
    {
        var match = false;

        // No early exit: the time taken does not say which credential, if any, matched.
        foreach (var candidate in _edgeDigests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, candidate);
        }

        return match;
    }

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
