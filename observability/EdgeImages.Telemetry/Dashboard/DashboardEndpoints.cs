using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.FileProviders;

namespace EdgeImages.Telemetry.Dashboard;

/// <summary>Serves the operator dashboard (the files of <c>monitoring/dashboard</c>) and its state endpoint.</summary>
public static class DashboardEndpoints
{
    public const string PagePath = "/dashboard/";
    public const string StatePath = "/v1/dashboard/state";

    private static readonly EmbeddedFileProvider Files = new(typeof(DashboardEndpoints).Assembly, "EdgeImages.Telemetry.Dashboard");

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    /// <summary>
    /// Maps <c>/dashboard/</c> (the page and its two assets) and <c>GET /v1/dashboard/state</c>, which answers what
    /// <paramref name="state"/> returns. The page polls the state every 2 s and sends no credentials. Returns the group
    /// so that a caller whose state holds anything private can require authorization (the control plane's holds none).
    /// </summary>
    public static RouteGroupBuilder MapEdgeImagesDashboard(this IEndpointRouteBuilder endpoints, Func<HttpContext, CancellationToken, Task<DashboardState>> state)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(state);
        var group = endpoints.MapGroup("");
        // "/dashboard" and "/dashboard/" both match this route; only the second resolves app.js and styles.css
        // next to the page, so the first is sent there.
        group.MapGet("/dashboard/{file?}", (HttpContext context, string? file) =>
            file is null && !context.Request.Path.Value!.EndsWith('/') ? Results.Redirect(PagePath) : ServeFile(context, file ?? "index.html"));
        group.MapGet(StatePath, async (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(await state(context, context.RequestAborted).ConfigureAwait(false), DashboardJson.Default.DashboardState);
        });
        return group;
    }

    private static IResult ServeFile(HttpContext context, string name)
    {
        var file = Files.GetFileInfo(name);
        if (!file.Exists || !ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        // Only its own files and its own origin: the page renders tenant names and key ids from the state.
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        return Results.Stream(file.CreateReadStream(), contentType);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DashboardState))]
internal sealed partial class DashboardJson : JsonSerializerContext;
