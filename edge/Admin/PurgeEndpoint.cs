using System.Security.Cryptography;
using System.Text;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Admin;

/// <summary>
/// <c>POST /admin/purge</c>: evicts every variant of an original, of a folder prefix, or of a whole tenant
/// from this edge's memory and from its region's Redis. The control plane fans a purge out to every edge;
/// an operator can also call one edge directly.
/// </summary>
internal sealed class PurgeEndpoint(IVariantCache cache, EdgeMetrics metrics, IOptions<AdminOptions> options)
{
    public async Task<IResult> HandleAsync(HttpContext context, PurgeRequest request)
    {
        Authorize(context.Request);
        var tag = TagFor(request);
        var evicted = await cache.PurgeAsync(tag, context.RequestAborted).ConfigureAwait(false);
        metrics.PurgeApplied(context.Request.Headers[EdgeMetrics.PurgeIssuedAtHeader]);
        return Results.Ok(new PurgeResponse(tag, evicted));
    }

    private void Authorize(HttpRequest request)
    {
        if (options.Value.Token is not { Length: > 0 } token)
        {
            throw EdgeProblemException.NotFound("Admin endpoints are off on this edge (Admin:Token is not set).");
        }

        var presented = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        var expected = Encoding.UTF8.GetBytes(token);
        var actual = presented.StartsWith(Scheme, StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(presented[Scheme.Length..]) : [];
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw new EdgeProblemException(401, "Unauthorized", "A valid admin bearer token is required.");
        }
    }

    internal static string TagFor(PurgeRequest request)
    {
        if (request.Tenant is not { } tenant || ImagePaths.ValidateTenant(tenant) is not null)
        {
            throw EdgeProblemException.BadRequest("'tenant' must be 1 to 63 characters of [a-z0-9-].");
        }

        return (request.Path, request.Prefix) switch
        {
            ({ } path, null) when path.Length > 0 => CacheTags.Original(tenant, path.Trim('/')),
            (null, { } prefix) when prefix.EndsWith('/') && prefix.Length > 1 => CacheTags.Prefix(tenant, prefix.TrimStart('/')),
            (null, null) => CacheTags.Tenant(tenant),
            _ => throw EdgeProblemException.BadRequest("Give 'path' (one original), or 'prefix' ending in '/' (a folder), or neither (the whole tenant)."),
        };
    }
}

/// <summary>What to purge: a tenant, and at most one of an original's path or a folder prefix.</summary>
internal sealed record PurgeRequest(string? Tenant, string? Path, string? Prefix);

internal sealed record PurgeResponse(string Tag, int EvictedFromMemory);
