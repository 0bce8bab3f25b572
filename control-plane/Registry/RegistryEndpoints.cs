using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.ControlPlane.Routing;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Registry;

/// <summary>Regions, PoPs, drains (scope admin to change, read to look) and the health of every edge.</summary>
internal static class RegistryEndpoints
{
    public static void MapRegistry(this IEndpointRouteBuilder app)
    {
        // Topology belongs to no tenant: reading it needs a platform key, changing it the admin scope.
        var group = app.MapGroup("/v1").WithTags("Registry").RequireAuthorization(AdminPolicies.PlatformRead);
        group.MapGet("/regions", ListAsync<RegionDocument>(keys => keys.Regions)).WithSummary("Lists regions.");
        group.MapPut("/regions/{id}", PutRegionAsync).WithSummary("Creates or replaces a region and its location.").RequireAuthorization(AdminPolicies.Admin);
        group.MapDelete("/regions/{id}", (HttpContext c, ChangeWriter w, string id) => DeleteAsync(c, w, "region.delete", w.Keys.Region(id), id)).RequireAuthorization(AdminPolicies.Admin);
        group.MapGet("/pops", ListAsync<PopDocument>(keys => keys.Pops)).WithSummary("Lists PoPs.");
        group.MapPut("/pops/{id}", PutPopAsync).WithSummary("Creates or replaces a PoP (its region must exist).").RequireAuthorization(AdminPolicies.Admin);
        group.MapDelete("/pops/{id}", (HttpContext c, ChangeWriter w, string id) => DeleteAsync(c, w, "pop.delete", w.Keys.Pop(id), id)).RequireAuthorization(AdminPolicies.Admin);
        group.MapPost("/pops/{id}/drain", DrainAsync).WithSummary("Drains a PoP: routing sends it no new clients; its edges finish what they are doing.")
            .RequireAuthorization(AdminPolicies.Admin);
        group.MapDelete("/pops/{id}/drain", (HttpContext c, ChangeWriter w, string id) => DeleteAsync(c, w, "pop.undrain", w.Keys.Drain(id), id))
            .WithSummary("Ends a drain.").RequireAuthorization(AdminPolicies.Admin);
        group.MapGet("/health", HealthAsync).WithSummary("Every PoP with its live edges, their readiness, the leader's probes and drains.");
    }

    public static bool IsId(string id) => Sdk.Urls.Identifier.IsValid(id);

    private static Func<HttpContext, EtcdStore, DocumentReader, Task<IResult>> ListAsync<T>(Func<EtcdKeys, string> prefix)
        where T : class =>
        async (context, etcd, documents) =>
        {
            var range = await etcd.RangeAsync(prefix(etcd.Keys), context.RequestAborted).ConfigureAwait(false);
            return Results.Ok(documents.ReadAll<T>(range.Kvs));
        };

    private static async Task<IResult> PutRegionAsync(HttpContext context, ChangeWriter writer, string id, LocationRequest request)
    {
        var actor = AdminCaller.From(context.User).Actor;
        var errors = ValidateLocation(id, request.Latitude, request.Longitude);
        if (errors.Count > 0)
        {
            throw ControlPlaneProblemException.BadRequest(string.Join(" ", errors));
        }

        var document = new RegionDocument(id, request.Name ?? id, request.Latitude, request.Longitude);
        await writer.CommitAsync(actor, "region.put", id, null, [], [ChangeWriter.Put(writer.Keys.Region(id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(document);
    }

    private static async Task<IResult> PutPopAsync(HttpContext context, ChangeWriter writer, string id, PopRequest request)
    {
        var actor = AdminCaller.From(context.User).Actor;
        var errors = ValidateLocation(id, request.Latitude, request.Longitude);
        if (request.Region is not { } region || !IsId(region))
        {
            errors.Add("'region' must name a region.");
        }

        if (errors.Count > 0)
        {
            throw ControlPlaneProblemException.BadRequest(string.Join(" ", errors));
        }

        var document = new PopDocument(id, request.Region!, request.Latitude, request.Longitude);
        var regionKey = writer.Keys.Region(document.Region);
        // The region must exist at commit time, not just when we looked: checked inside the transaction.
        if (!await writer.CommitAsync(actor, "pop.put", id, document.Region, [ChangeWriter.Present(regionKey)], [ChangeWriter.Put(writer.Keys.Pop(id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.BadRequest($"'region': no region '{document.Region}'.");
        }

        return Results.Ok(document);
    }

    private static async Task<IResult> DrainAsync(HttpContext context, ChangeWriter writer, TimeProvider time, string id)
    {
        var actor = AdminCaller.From(context.User).Actor;
        var document = new DrainDocument(id, actor, time.GetUtcNow());
        await writer.CommitAsync(actor, "pop.drain", id, null, [], [ChangeWriter.Put(writer.Keys.Drain(id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(document);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, ChangeWriter writer, string action, string key, string id)
    {
        var actor = AdminCaller.From(context.User).Actor;
        await writer.CommitAsync(actor, action, id, null, [], [ChangeWriter.Delete(key)], context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> HealthAsync(HttpContext context, ClusterView view)
    {
        var state = view.Current;
        return Results.Ok(new
        {
            state.Revision,
            state.Leader,
            Pops = state.Pops.Values.OrderBy(p => p.Id, StringComparer.Ordinal).Select(pop => new
            {
                pop.Id,
                pop.Region,
                Drained = state.Drains.ContainsKey(pop.Id),
                Healthy = Router.HealthyEdges(state, pop.Id).Count > 0,
                Edges = state.Edges.Where(e => e.Value.Pop == pop.Id).Select(e => new
                {
                    e.Value.EdgeId,
                    e.Value.Address,
                    e.Value.Ready,
                    e.Value.CacheTier,
                    e.Value.OriginReachable,
                    e.Value.Load,
                    e.Value.ConfigRevision,
                    Probe = state.Probes.GetValueOrDefault(e.Key),
                }),
            }),
            Origins = state.Probes.Where(p => p.Key.StartsWith("origins/", StringComparison.Ordinal)).Select(p => p.Value),
        });
    }

    private static List<string> ValidateLocation(string id, double latitude, double longitude)
    {
        var errors = new List<string>();
        if (!IsId(id))
        {
            errors.Add("The id must be 1 to 63 characters of [a-z0-9-].");
        }

        if (latitude is < -90 or > 90)
        {
            errors.Add("'latitude' must be -90 to 90.");
        }

        if (longitude is < -180 or > 180)
        {
            errors.Add("'longitude' must be -180 to 180.");
        }

        return errors;
    }
}

internal sealed record LocationRequest(string? Name, double Latitude, double Longitude);

internal sealed record PopRequest(string? Region, double Latitude, double Longitude);
