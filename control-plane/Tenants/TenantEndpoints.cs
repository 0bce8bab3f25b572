using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Tenants;

/// <summary>
/// <c>/v1/tenants</c>: origin binding, TTL, presets, allowed options, quotas, watermarks. Edges apply a change by watch. An API key
/// limited to tenants reads and changes only its own tenants, and never the platform's settings of them: the quota
/// (<c>requestsPerSecond</c>, <c>burst</c>) and the origin binding, which would let a tenant raise its own limits or
/// read another tenant's originals through an origin it points itself at.
/// </summary>
internal static class TenantEndpoints
{
    public static void MapTenants(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapGroup("/v1/tenants").WithTags("Tenants");
        tenants.MapGet("", ListAsync).WithSummary("Lists tenants (those the API key reaches).").RequireAuthorization(AdminPolicies.Read);
        tenants.MapGet("/{id}", GetAsync).WithSummary("One tenant's settings.").RequireAuthorization(AdminPolicies.Read);
        tenants.MapPut("/{id}", PutAsync).WithSummary("Creates or replaces a tenant's settings; quota and origin only with a platform key.")
            .RequireAuthorization(AdminPolicies.Tenants);
        tenants.MapDelete("/{id}", DeleteAsync).WithSummary("Removes a tenant's settings (edges fall back to their defaults); platform keys only.")
            .RequireAuthorization(AdminPolicies.Tenants);
    }

    private static async Task<IResult> ListAsync(HttpContext context, EtcdStore etcd, DocumentReader documents)
    {
        var caller = AdminCaller.From(context.User);
        var range = await etcd.RangeAsync(etcd.Keys.Tenants, context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(documents.ReadAll<TenantDocument>(range.Kvs).Where(t => caller.Reaches(t.Id)));
    }

    private static async Task<IResult> GetAsync(HttpContext context, EtcdStore etcd, DocumentReader documents, string id)
    {
        AdminCaller.From(context.User).RequireTenant(id);
        var kv = await etcd.GetAsync(etcd.Keys.Tenant(id), context.RequestAborted).ConfigureAwait(false)
            ?? throw ControlPlaneProblemException.NotFound($"No tenant '{id}'.");
        return Results.Ok(documents.Read<TenantDocument>(kv));
    }

    private static async Task<IResult> PutAsync(
        HttpContext context, ChangeWriter writer, EtcdStore etcd, DocumentReader documents, TimeProvider time, string id, TenantRequest request)
    {
        var caller = AdminCaller.From(context.User);
        caller.RequireTenant(id);
        // The same rules an edge applies to a stored document, so what the API accepts no edge refuses.
        var errors = DocumentRules.Tenant(id, ToDocument(id, request, time.GetUtcNow()));
        if (errors.Count > 0)
        {
            throw ControlPlaneProblemException.BadRequest(string.Join(" ", errors));
        }

        IReadOnlyList<Etcdserverpb.Compare> conditions = [];
        if (!caller.IsPlatform)
        {
            // The platform's fields stay as the platform set them: a tenant's key may repeat them, never change them.
            var kv = await etcd.GetAsync(writer.Keys.Tenant(id), context.RequestAborted).ConfigureAwait(false);
            // Unreadable: the platform's fields cannot be known, so only a platform key may write over it (409 here).
            var stored = kv is null ? null : documents.Read<TenantDocument>(kv);
            if ((request.Origin is not null && request.Origin != stored?.Origin)
                || (request.RequestsPerSecond is not null && request.RequestsPerSecond != stored?.RequestsPerSecond)
                || (request.Burst is not null && request.Burst != stored?.Burst))
            {
                caller.RequirePlatform("set a tenant's quota (requestsPerSecond, burst) or origin binding");
            }

            request = request with { Origin = stored?.Origin, RequestsPerSecond = stored?.RequestsPerSecond, Burst = stored?.Burst };
            // Written only over what was read, so a platform change in between is never overwritten with the old values.
            conditions = kv is null ? [ChangeWriter.Absent(writer.Keys.Tenant(id))] : [ChangeWriter.Unchanged(writer.Keys.Tenant(id), kv.ModRevision)];
        }

        var document = ToDocument(id, request, time.GetUtcNow());
        if (!await writer.CommitAsync(caller.Actor, "tenant.put", id, WatermarkAudit(document), conditions, [ChangeWriter.Put(writer.Keys.Tenant(id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict("The tenant changed meanwhile; try again.");
        }

        return Results.Ok(document);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, ChangeWriter writer, string id)
    {
        var caller = AdminCaller.From(context.User);
        // Without its document a tenant falls back to the edges' defaults, quota included: that is the platform's call.
        caller.RequirePlatform("delete a tenant's settings, which hold its quota and origin binding");
        await writer.CommitAsync(caller.Actor, "tenant.delete", id, null, [], [ChangeWriter.Delete(writer.Keys.Tenant(id))], context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static TenantDocument ToDocument(string id, TenantRequest request, DateTimeOffset updatedAt) => new()
    {
        Id = id,
        Origin = request.Origin,
        MaxAgeSeconds = request.MaxAgeSeconds,
        StaleWhileRevalidateSeconds = request.StaleWhileRevalidateSeconds,
        StaleIfErrorSeconds = request.StaleIfErrorSeconds,
        AllowedOptions = request.AllowedOptions,
        Presets = request.Presets,
        RequestsPerSecond = request.RequestsPerSecond,
        Burst = request.Burst,
        Watermarks = request.Watermarks,
        DefaultWatermark = request.DefaultWatermark,
        WatermarkRequired = request.WatermarkRequired,
        RefusePassThrough = request.RefusePassThrough,
        UpdatedAt = updatedAt,
    };

    /// <summary>
    /// The audit log's word on a tenant's watermarks: who made a watermark mandatory or optional, or let originals out
    /// bare, matters when a site finds its images unmarked. Null when the tenant has none of it.
    /// </summary>
    private static string? WatermarkAudit(TenantDocument tenant)
    {
        if (tenant.Watermarks is not { Count: > 0 } && !tenant.RefusePassThrough)
        {
            return null;
        }

        var names = string.Join(",", (tenant.Watermarks ?? new Dictionary<string, WatermarkDocument>()).Keys.Order(StringComparer.Ordinal));
        return $"watermarks [{names}], default {tenant.DefaultWatermark ?? "none"}, "
            + $"{(tenant.WatermarkRequired ? "required" : "optional")}, pass-through {(tenant.RefusePassThrough ? "refused" : "allowed")}";
    }
}

internal sealed record TenantRequest(
    string? Origin,
    int? MaxAgeSeconds,
    IReadOnlyList<string>? AllowedOptions,
    IReadOnlyDictionary<string, string>? Presets,
    int? RequestsPerSecond,
    int? Burst,
    IReadOnlyDictionary<string, WatermarkDocument>? Watermarks = null,
    string? DefaultWatermark = null,
    bool WatermarkRequired = false,
    bool RefusePassThrough = false,
    int? StaleWhileRevalidateSeconds = null,
    int? StaleIfErrorSeconds = null);
