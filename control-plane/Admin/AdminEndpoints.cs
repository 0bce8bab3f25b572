using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;
using EdgeImages.Sdk.Signing;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// <c>/v1/admin-keys</c> (scope admin) and <c>/v1/audit</c> (scope admin). A key may be limited to tenants: its read,
/// purge, keys and tenants scopes then reach only those tenants' purges, settings and signing keys.
/// </summary>
internal static class AdminEndpoints
{
    public static void MapAdmin(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/admin-keys").WithTags("Admin");
        keys.RequireAuthorization(AdminPolicies.Admin);
        keys.MapPost("", CreateAsync).WithSummary("Creates a scoped API key, optionally limited to tenants; the key is shown once, only its hash is stored.");
        keys.MapGet("", ListAsync).WithSummary("Lists API keys (never their secrets or hashes).");
        keys.MapDelete("/{id}", RevokeAsync).WithSummary("Revokes an API key.");
        app.MapGet("/v1/audit", AuditAsync).WithTags("Admin").WithSummary("The newest audit entries: who changed what, when.")
            .RequireAuthorization(AdminPolicies.Admin);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ChangeWriter writer, TimeProvider time, CreateAdminKeyRequest request)
    {
        var actor = AdminCaller.From(context.User).Actor;
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64)
        {
            throw ControlPlaneProblemException.BadRequest("'name' must be 1 to 64 characters.");
        }

        if (request.Scopes is not { Count: > 0 } scopes || scopes.Any(s => !Scopes.All.Contains(s)))
        {
            throw ControlPlaneProblemException.BadRequest($"'scopes' must list one or more of: {string.Join(", ", Scopes.All)}.");
        }

        // Null: a platform key. A list: the tenants its scopes reach; such a key never holds admin, which is everything.
        KeyTenants? tenants = null;
        if (request.Tenants is not null)
        {
            if (!KeyTenants.TryCreate(request.Tenants, out tenants, out var error) || tenants.IsPlatform)
            {
                throw ControlPlaneProblemException.BadRequest($"'tenants' must list tenant ids, or be left out for a platform key: {error ?? "'*' is what leaving it out means"}.");
            }

            if (scopes.Contains(Scopes.Admin))
            {
                throw ControlPlaneProblemException.BadRequest("A key limited to tenants cannot hold the 'admin' scope, which reaches everything.");
            }
        }

        var (id, key) = ApiKeys.Create();
        var document = new AdminKeyDocument(id, request.Name, [.. scopes.Distinct()], ApiKeys.Hash(key), time.GetUtcNow(), actor, tenants?.ToList());
        var path = writer.Keys.AdminKey(id);
        // Create-if-absent: ids are random, but a collision must never overwrite someone else's key.
        if (!await writer.CommitAsync(actor, "admin-key.create", id, $"{request.Name}: {string.Join(',', document.Scopes)} for {(tenants is null ? "every tenant" : tenants.ToString())}",
                [ChangeWriter.Absent(path)], [ChangeWriter.Put(path, DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict("Key id collision; try again.");
        }

        return Results.Created($"/v1/admin-keys/{id}", new CreatedAdminKey(id, request.Name, document.Scopes, document.Tenants, key));
    }

    private static async Task<IResult> ListAsync(HttpContext context, EtcdStore etcd, DocumentReader documents)
    {
        var range = await etcd.RangeAsync(etcd.Keys.AdminKeys, context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(documents.ReadAll<AdminKeyDocument>(range.Kvs)
            .Select(k => new AdminKeyView(k.Id, k.Name, k.Scopes, k.Tenants, k.CreatedAt, k.CreatedBy)));
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, ChangeWriter writer, string id)
    {
        var actor = AdminCaller.From(context.User).Actor;
        var path = writer.Keys.AdminKey(id);
        if (!await writer.CommitAsync(actor, "admin-key.revoke", id, null, [ChangeWriter.Present(path)], [ChangeWriter.Delete(path)], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.NotFound($"No API key '{id}'.");
        }

        return Results.NoContent();
    }

    private static async Task<IResult> AuditAsync(HttpContext context, EtcdStore etcd, DocumentReader documents, int? limit)
    {
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var range = await etcd.RangeAsync(etcd.Keys.Audit, context.RequestAborted, take, descending: true).ConfigureAwait(false);
        return Results.Ok(documents.ReadAll<AuditEntry>(range.Kvs));
    }
}

/// <param name="Tenants">Tenant ids the key's scopes reach; left out for a platform key.</param>
internal sealed record CreateAdminKeyRequest(string? Name, IReadOnlyList<string>? Scopes, IReadOnlyList<string>? Tenants = null);

internal sealed record CreatedAdminKey(string Id, string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string>? Tenants, string Key);

internal sealed record AdminKeyView(string Id, string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string>? Tenants, DateTimeOffset CreatedAt, string CreatedBy);
