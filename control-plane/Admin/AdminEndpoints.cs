using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Admin;

/// <summary><c>/v1/admin-keys</c> (scope admin) and <c>/v1/audit</c> (scope admin).</summary>
internal static class AdminEndpoints
{
    public static void MapAdmin(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/admin-keys").WithTags("Admin");
        keys.MapPost("", CreateAsync).WithSummary("Creates a scoped API key; the key is shown once, only its hash is stored.");
        keys.MapGet("", ListAsync).WithSummary("Lists API keys (never their secrets or hashes).");
        keys.MapDelete("/{id}", RevokeAsync).WithSummary("Revokes an API key.");
        app.MapGet("/v1/audit", AuditAsync).WithTags("Admin").WithSummary("The newest audit entries: who changed what, when.");
    }

    private static async Task<IResult> CreateAsync(HttpContext context, AdminAuthenticator auth, ChangeWriter writer, TimeProvider time, CreateAdminKeyRequest request)
    {
        var actor = await auth.RequireAsync(context, Scopes.Admin).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64)
        {
            throw ControlPlaneProblemException.BadRequest("'name' must be 1 to 64 characters.");
        }

        if (request.Scopes is not { Count: > 0 } scopes || scopes.Any(s => !Scopes.All.Contains(s)))
        {
            throw ControlPlaneProblemException.BadRequest($"'scopes' must list one or more of: {string.Join(", ", Scopes.All)}.");
        }

        var (id, key) = ApiKeys.Create();
        var document = new AdminKeyDocument(id, request.Name, [.. scopes.Distinct()], ApiKeys.Hash(key), time.GetUtcNow(), actor);
        var path = writer.Keys.AdminKey(id);
        // Create-if-absent: ids are random, but a collision must never overwrite someone else's key.
        if (!await writer.CommitAsync(actor, "admin-key.create", id, $"{request.Name}: {string.Join(',', document.Scopes)}",
                [ChangeWriter.Absent(path)], [ChangeWriter.Put(path, DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict("Key id collision; try again.");
        }

        return Results.Created($"/v1/admin-keys/{id}", new CreatedAdminKey(id, request.Name, document.Scopes, key));
    }

    private static async Task<IResult> ListAsync(HttpContext context, AdminAuthenticator auth, EtcdStore etcd)
    {
        await auth.RequireAsync(context, Scopes.Admin).ConfigureAwait(false);
        var range = await etcd.RangeAsync(etcd.Keys.AdminKeys, context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(range.Kvs.Select(kv => DocumentJson.Decode<AdminKeyDocument>(kv.Value))
            .Select(k => new AdminKeyView(k.Id, k.Name, k.Scopes, k.CreatedAt, k.CreatedBy)));
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, AdminAuthenticator auth, ChangeWriter writer, string id)
    {
        var actor = await auth.RequireAsync(context, Scopes.Admin).ConfigureAwait(false);
        var path = writer.Keys.AdminKey(id);
        var existing = new Etcdserverpb.Compare
        {
            Key = EtcdGateway.Bytes(path),
            Target = Etcdserverpb.Compare.Types.CompareTarget.Create,
            Result = Etcdserverpb.Compare.Types.CompareResult.Greater,
            CreateRevision = 0,
        };
        if (!await writer.CommitAsync(actor, "admin-key.revoke", id, null, [existing], [ChangeWriter.Delete(path)], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.NotFound($"No API key '{id}'.");
        }

        return Results.NoContent();
    }

    private static async Task<IResult> AuditAsync(HttpContext context, AdminAuthenticator auth, EtcdStore etcd, int? limit)
    {
        await auth.RequireAsync(context, Scopes.Admin).ConfigureAwait(false);
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var range = await etcd.RangeAsync(etcd.Keys.Audit, context.RequestAborted, take, descending: true).ConfigureAwait(false);
        return Results.Ok(range.Kvs.Select(kv => DocumentJson.Decode<AuditEntry>(kv.Value)));
    }
}

internal sealed record CreateAdminKeyRequest(string? Name, IReadOnlyList<string>? Scopes);

internal sealed record CreatedAdminKey(string Id, string Name, IReadOnlyList<string> Scopes, string Key);

internal sealed record AdminKeyView(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, string CreatedBy);
