using EdgeImages.ControlPlane.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// Turns the authorization middleware's verdicts into the control plane's problems, thrown to the one problem writer:
/// 401 (no key, or one nobody issued; with <c>WWW-Authenticate: Bearer</c>), 429 for an address past its failures,
/// 403 with the reason the policy gave.
/// </summary>
internal sealed class AdminAuthorizationResultHandler(AuthFailureLimiter failures) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            if (context.Items.ContainsKey(AdminKeyAuthenticationHandler.LockedOutItem))
            {
                throw ControlPlaneProblemException.TooManyRequests("Too many failed authentications from this address; try again later.", failures.RetryAfter);
            }

            throw ControlPlaneProblemException.Unauthorized(context.Request.Headers.Authorization.Count == 0 && !context.Request.Cookies.ContainsKey(AdminKeyAuthenticationHandler.CookieName)
                ? "An API key is required (Authorization: Bearer {key})."
                : "The API key is unknown or revoked.");
        }

        if (authorizeResult.Forbidden)
        {
            var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message ?? "This API key may not do this.";
            throw ControlPlaneProblemException.Forbidden(reason);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
