using System.Net;
using EdgeImages.ControlPlane.Http;

namespace EdgeImages.ControlPlane.Routing;

/// <summary>
/// <c>GET /v1/route?ip=</c> and <c>GET /v1/steer?ip=&amp;path=</c>: public, no key, answered from the watched view so
/// that routing keeps working (on the last known state) while etcd has no quorum.
/// </summary>
internal static class RouteEndpoints
{
    public static void MapRouting(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/route", (HttpContext context, Router router, string? ip) => Results.Ok(router.Route(ClientAddress(context, ip))))
            .WithTags("Routing").WithSummary("Healthy PoPs nearest first for a client address (the caller's own when 'ip' is omitted).");
        app.MapGet("/v1/steer", (HttpContext context, Router router, string? ip, string? path) =>
            {
                var target = path ?? "/";
                if (!target.StartsWith('/') || target.StartsWith("//", StringComparison.Ordinal))
                {
                    throw ControlPlaneProblemException.BadRequest("'path' must be an absolute path such as /sig/w:400/acme/cat.jpg.");
                }

                var answer = router.Route(ClientAddress(context, ip));
                if (answer.Pops.Count == 0)
                {
                    throw ControlPlaneProblemException.Unavailable("No healthy PoP is known.");
                }

                context.Response.Headers.CacheControl = "no-store";
                return Results.Redirect(answer.Pops[0].Edges[0].Address.TrimEnd('/') + target);
            })
            .WithTags("Routing").WithSummary("302 to the best edge of the nearest healthy PoP, keeping the path.");
    }

    private static IPAddress ClientAddress(HttpContext context, string? ip)
    {
        if (ip is null)
        {
            return context.Connection.RemoteIpAddress ?? IPAddress.Loopback;
        }

        return IPAddress.TryParse(ip, out var address) ? address : throw ControlPlaneProblemException.BadRequest("'ip' is not an IP address.");
    }
}
