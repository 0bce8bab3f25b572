using System.Text.Encodings.Web;
using EdgeImages.Hosting.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// Authenticates admin API keys: <c>Authorization: Bearer {key}</c>, or for reads only the dashboard's sign-in cookie
/// (a cookie rides along on any request the browser makes, so it never authorizes a change). Failures are counted per
/// client address (<see cref="AuthFailureLimiter"/>). Challenges and refusals are answered by
/// <see cref="AdminAuthorizationResultHandler"/>, through the one problem writer.
/// </summary>
internal sealed class AdminKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AdminKeyValidator validator,
    AuthFailureLimiter failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";

    /// <summary>The dashboard's sign-in cookie: the key itself, HTTP-only, same-site strict.</summary>
    public const string CookieName = "edgeimages-admin";

    internal const string LockedOutItem = "edgeimages:auth-locked-out";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken.From(Request)
            ?? (HttpMethods.IsGet(Request.Method) || HttpMethods.IsHead(Request.Method) ? Request.Cookies[CookieName] : null);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var address = Context.Connection.RemoteIpAddress;
        if (failures.IsLockedOut(address))
        {
            Context.Items[LockedOutItem] = true;
            return AuthenticateResult.Fail("Too many failed authentications from this address.");
        }

        if (await validator.ValidateAsync(token, Context.RequestAborted).ConfigureAwait(false) is not { } caller)
        {
            failures.RecordFailure(address);
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName));
    }
}
