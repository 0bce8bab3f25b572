using EdgeImages.Origin.Storage;

namespace EdgeImages.Origin.Health;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness; never touches the database, so a database outage does not get
/// every node restarted). <c>/readyz</c>: PostgreSQL answers a query within the command timeout (readiness);
/// otherwise the problem middleware's 503.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok"));
        endpoints.MapGet("/readyz", async (OriginalStore store, HttpContext context) =>
        {
            await store.PingAsync(context.RequestAborted).ConfigureAwait(false);
            return Results.Text("ready");
        });
    }
}
