using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.ControlPlane.Tenants;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Purge;

/// <summary>
/// <c>POST /v1/purge</c>: one event under <c>purges/</c>; every edge watching it evicts its memory tier and its
/// region's Redis tier. The answer (202) means the purge is committed in etcd, not that every edge has acted: edges
/// apply it within the watch's propagation time (measured in the tests). The leader deletes events older than
/// <c>Purge:Retention</c>; an edge cut off longer than that re-reads its state but cannot replay what it missed.
/// </summary>
internal static class PurgeEndpoints
{
    public static void MapPurge(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/purge", PurgeAsync).WithTags("Purge")
            .WithSummary("Purges an original ('path'), a folder ('prefix' ending in '/') or a whole tenant (neither) on every PoP.")
            .RequireAuthorization(AdminPolicies.Purge);

    private static async Task<IResult> PurgeAsync(HttpContext context, ChangeWriter writer, TimeProvider time, PurgeRequest request)
    {
        var caller = AdminCaller.From(context.User);
        var actor = caller.Actor;
        if (request.Tenant is not { } tenant || !TenantEndpoints.IsTenantId(tenant))
        {
            throw ControlPlaneProblemException.BadRequest("'tenant' must be 1 to 63 characters of [a-z0-9-].");
        }

        caller.RequireTenant(tenant);

        var (path, prefix) = (request.Path?.Trim('/'), request.Prefix?.TrimStart('/'));
        var what = (path, prefix) switch
        {
            ({ Length: > 0 }, null) => $"original {tenant}/{path}",
            (null, { Length: > 1 }) when prefix.EndsWith('/') => $"prefix {tenant}/{prefix}",
            (null, null) => $"tenant {tenant}",
            _ => throw ControlPlaneProblemException.BadRequest("Give 'path' (one original), or 'prefix' ending in '/' (a folder), or neither (the whole tenant)."),
        };

        var at = time.GetUtcNow();
        var id = Guid.NewGuid().ToString("N")[..12];
        var document = new PurgeDocument(id, tenant, path, prefix, what, actor, at);
        await writer.CommitAsync(actor, "purge", what, id, [], [ChangeWriter.Put(writer.Keys.Purge(at, id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false);
        return Results.Accepted(value: new PurgeAccepted(id, what, at));
    }
}

internal sealed record PurgeRequest(string? Tenant, string? Path, string? Prefix);

internal sealed record PurgeAccepted(string Id, string What, DateTimeOffset At);
