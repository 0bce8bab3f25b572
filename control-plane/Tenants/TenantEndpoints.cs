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

    public static bool IsTenantId(string id) =>
        Sdk.Urls.Identifier.IsValid(id);

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
        var errors = Validate(id, request);
        if (errors.Count > 0)
        {
            throw ControlPlaneProblemException.BadRequest(string.Join(" ", errors));
        }

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
        await writer.CommitAsync(actor, "tenant.put", id, null, [], [ChangeWriter.Put(writer.Keys.Tenant(id), DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(document);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, AdminAuthenticator auth, ChangeWriter writer, string id)
    {
        var actor = await auth.RequireAsync(context, Scopes.Tenants).ConfigureAwait(false);
        await writer.CommitAsync(actor, "tenant.delete", id, null, [], [ChangeWriter.Delete(writer.Keys.Tenant(id))], context.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>Every problem at once, each naming its field.</summary>
    private static List<string> Validate(string id, TenantRequest request)
    {
        var errors = new List<string>();
        if (!IsTenantId(id))
        {
            errors.Add("The tenant id must be 1 to 63 characters of [a-z0-9-].");
        }

        if (request.MaxAgeSeconds is < 0 or > 31_536_000)
        {
            errors.Add("'maxAgeSeconds' must be 0 to 31536000.");
        }

        if (request.RequestsPerSecond is <= 0)
        {
            errors.Add("'requestsPerSecond' must be positive (omit it for unlimited).");
        }

        if (request.Burst is < 0)
        {
            errors.Add("'burst' must not be negative.");
        }

        if (request.AllowedOptions?.Any(o => !Sdk.Urls.OptionsParser.Names.Contains(o)) == true)
        {
            errors.Add("'allowedOptions' must be option names such as w, h, fit, q.");
        }

        foreach (var (name, value) in request.Presets ?? new Dictionary<string, string>())
        {
            if (!Sdk.Urls.Identifier.IsValid(name, Sdk.Urls.Identifier.MaxPresetLength) || string.IsNullOrEmpty(value))
            {
                errors.Add($"'presets.{name}': a preset is a name of [a-z0-9-] and a non-empty option string.");
            }
        }

        return errors;
    }
}

internal sealed record TenantRequest(
    string? Origin,
    int? MaxAgeSeconds,
    IReadOnlyList<string>? AllowedOptions,
    IReadOnlyDictionary<string, string>? Presets,
    int? RequestsPerSecond,
    int? Burst);
