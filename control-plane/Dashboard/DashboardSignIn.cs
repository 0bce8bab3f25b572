using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Telemetry.Dashboard;
using Microsoft.AspNetCore.Authorization;

namespace EdgeImages.ControlPlane.Dashboard;

/// <summary>
/// The dashboard's sign-in: a platform API key with the read scope, posted once from a form, comes back as an
/// HTTP-only, same-site-strict cookie that the page's state requests carry. The cookie is the key itself, so every
/// replica accepts it and revoking the key signs the browser out; it authorizes reads only (see
/// <see cref="AdminKeyAuthenticationHandler"/>), so a page that tricks the browser into a request changes nothing.
/// </summary>
internal static class DashboardSignIn
{
    public const string Path = "/dashboard/sign-in";

    private const string Form = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>EdgeImages: sign in</title></head>
        <body><h1>EdgeImages dashboard</h1>
        <form method="post" action="/dashboard/sign-in">
        <label>API key with the read scope (not limited to tenants) <input name="key" type="password" autocomplete="off" required></label>
        <button type="submit">Sign in</button></form></body></html>
        """;

    public static void MapDashboardSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; form-action 'self'; frame-ancestors 'none'";
            context.Response.Headers.CacheControl = "no-store";
            return Results.Content(Form, "text/html; charset=utf-8");
        }).ExcludeFromDescription();
        app.MapPost(Path, SignInAsync).ExcludeFromDescription();
        app.MapPost("/dashboard/sign-out", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(AdminKeyAuthenticationHandler.CookieName, CookieOptions(context));
            return Results.Redirect(Path, permanent: false);
        }).ExcludeFromDescription();
    }

    /// <summary>Requires a platform read key for the state endpoint, leaving the page and its assets public.</summary>
    public static void RequireKeyForState(this RouteGroupBuilder dashboard) =>
        ((IEndpointConventionBuilder)dashboard).Add(endpoint =>
        {
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: DashboardEndpoints.StatePath })
            {
                endpoint.Metadata.Add(new AuthorizeAttribute(AdminPolicies.PlatformRead));
            }
        });

    private static async Task<IResult> SignInAsync(HttpContext context, AdminKeyValidator validator, AuthFailureLimiter failures)
    {
        var address = context.Connection.RemoteIpAddress;
        if (failures.IsLockedOut(address))
        {
            throw ControlPlaneProblemException.TooManyRequests("Too many failed authentications from this address; try again later.", failures.RetryAfter);
        }

        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false) : null;
        var key = form?["key"].ToString().Trim();
        if (string.IsNullOrEmpty(key) || await validator.ValidateAsync(key, context.RequestAborted).ConfigureAwait(false) is not { } caller)
        {
            failures.RecordFailure(address);
            throw ControlPlaneProblemException.Unauthorized("The API key is unknown or revoked.");
        }

        if (!caller.Grants(Scopes.Read) || !caller.IsPlatform)
        {
            throw ControlPlaneProblemException.Forbidden("The dashboard needs a key with the read scope that is not limited to tenants.");
        }

        context.Response.Cookies.Append(AdminKeyAuthenticationHandler.CookieName, key, CookieOptions(context));
        return Results.Redirect(DashboardEndpoints.PagePath, permanent: false);
    }

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        // Strict: the browser sends it only from the control plane's own pages, never on a cross-site request.
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        // A browser session, not a remembered login: closing the browser signs out.
        MaxAge = null,
    };
}
