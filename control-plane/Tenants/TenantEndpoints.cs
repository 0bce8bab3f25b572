using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Tenants;

/// <summary><c>/v1/tenants</c>: origin binding, TTL, presets, allowed options, quotas. Edges apply a change by watch.</summary>
internal static class TenantEndpoints
{
    public static void MapTenants(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapGroup("/v1/tenants").WithTags("Tenants");
        tenants.MapGet("", ListAsync).WithSummary("Lists tenants.");
        tenants.MapGet("/{id}", GetAsync).WithSummary("One tenant's settings.");
        tenants.MapPut("/{id}", PutAsync).WithSummary("Creates or replaces a tenant's settings.");
        tenants.MapDelete("/{id}", DeleteAsync).WithSummary("Removes a tenant's settings (edges fall back to their defaults).");
    }

    private static async Task<IResult> ListAsync(HttpContext context, AdminAuthenticator auth, EtcdStore etcd)
    {
        await auth.RequireAsync(context, Scopes.Read).ConfigureAwait(false);
        var range = await etcd.RangeAsync(etcd.Keys.Tenants, context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(range.Kvs.Select(kv => DocumentJson.Decode<TenantDocument>(kv.Value)));
    }

    private static async Task<IResult> GetAsync(HttpContext context, AdminAuthenticator auth, EtcdStore etcd, string id)
    {
        await auth.RequireAsync(context, Scopes.Read).ConfigureAwait(false);
        var kv = await etcd.GetAsync(etcd.Keys.Tenant(id), context.RequestAborted).ConfigureAwait(false)
            ?? throw ControlPlaneProblemException.NotFound($"No tenant '{id}'.");
        return Results.Ok(DocumentJson.Decode<TenantDocument>(kv.Value));
    }

    private static async Task<IResult> PutAsync(HttpContext context, AdminAuthenticator auth, ChangeWriter writer, TimeProvider time, string id, TenantRequest request)
    {
        var actor = await auth.RequireAsync(context, Scopes.Tenants).ConfigureAwait(false);
        var document = new TenantDocument
        {
            Id = id,
            Origin = request.Origin,
            MaxAgeSeconds = request.MaxAgeSeconds,
            AllowedOptions = request.AllowedOptions,
            Presets = request.Presets,
            RequestsPerSecond = request.RequestsPerSecond,
            Burst = request.Burst,
            UpdatedAt = time.GetUtcNow(),
        };
        // The rules the edges hold a stored tenant to: what they would refuse is refused here.
        if (DocumentRules.Tenant(id, document) is { Count: > 0 } errors)
        {
            throw ControlPlaneProblemException.BadRequest(string.Join(" ", errors));
        }

        await writer.CommitAsync(actor, "tenant.put", id, null, [], [ChangeWriter.Put(writer.Keys.Tenant(id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(document);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, AdminAuthenticator auth, ChangeWriter writer, string id)
    {
        var actor = await auth.RequireAsync(context, Scopes.Tenants).ConfigureAwait(false);
        await writer.CommitAsync(actor, "tenant.delete", id, null, [], [ChangeWriter.Delete(writer.Keys.Tenant(id))], context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }
}

internal sealed record TenantRequest(
    string? Origin,
    int? MaxAgeSeconds,
    IReadOnlyList<string>? AllowedOptions,
    IReadOnlyDictionary<string, string>? Presets,
    int? RequestsPerSecond,
    int? Burst);
