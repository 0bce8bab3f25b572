using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Purges;

namespace EdgeImages.ControlPlane.Purge;

/// <summary>
/// <c>POST /v1/purge</c>: one event under <c>purges/</c>; every edge watching it evicts its memory tier and its
/// region's Redis tier. The answer (202) means the purge is committed in etcd, not that every edge has acted: edges
/// apply it within the watch's propagation time (measured in the tests). The path or prefix is read as an image URL
/// writes it (percent-encoded) and checked by the same rules (<see cref="PurgeTarget"/>). The leader deletes events
/// older than <c>Leadership:PurgeRetention</c>, raising the purge horizon: an edge cut off for longer replays what is
/// left and drops what it can no longer prove clean.
/// </summary>
internal static class PurgeEndpoints
{
    public static void MapPurge(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/purge", PurgeAsync).WithTags("Purge")
            .WithSummary("Purges an original ('path'), a folder ('prefix' ending in '/') or a whole tenant (neither) on every PoP.")
            .RequireAuthorization(AdminPolicies.Purge);

    private static async Task<IResult> PurgeAsync(HttpContext context, PurgeRateLimiter limiter, ChangeWriter writer, TimeProvider time, PurgeRequest request)
    {
        var caller = AdminCaller.From(context.User);
        var actor = caller.Actor;
        limiter.Take(actor);
        if (PurgeTarget.TryParse(request.Tenant, request.Path, request.Prefix, out var target) is { } error)
        {
            throw ControlPlaneProblemException.BadRequest(error);
        }

        caller.RequireTenant(target!.Tenant);

        var at = time.GetUtcNow();
        var id = Guid.NewGuid().ToString("N")[..12];
        var document = target!.ToDocument(id, actor, at);
        await writer.CommitAsync(actor, "purge", target.What, id, [], [ChangeWriter.Put(writer.Keys.Purge(at, id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false);
        return Results.Accepted(value: new PurgeAccepted(id, target.What, at));
    }
}

internal sealed record PurgeRequest(string? Tenant, string? Path, string? Prefix);

internal sealed record PurgeAccepted(string Id, string What, DateTimeOffset At);
