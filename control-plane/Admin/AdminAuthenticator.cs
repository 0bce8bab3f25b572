using System.Security.Cryptography;
using System.Text;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// Who is calling and whether they may. 401: no key, or one nobody issued (with <c>WWW-Authenticate: Bearer</c>);
/// 403: a valid key without the scope. Keys are looked up in the watched cluster view first, so authentication keeps
/// working while etcd has no quorum (reads then still answer from etcd's survivors or fail 503, writes fail 503); a
/// key created a moment ago on another replica that this one has not seen yet is read from etcd directly.
/// </summary>
internal sealed class AdminAuthenticator(ClusterView view, EtcdStore etcd, IOptions<AdminOptions> options)
{
    private readonly byte[]? _bootstrap = options.Value.BootstrapKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    /// <returns>The actor recorded in the audit log: <c>{name} ({id})</c>.</returns>
    public async Task<string> RequireAsync(HttpContext context, string scope)
    {
        var token = BearerToken(context) ?? throw ControlPlaneProblemException.Unauthorized("An API key is required (Authorization: Bearer {key}).");
        if (_bootstrap is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), _bootstrap))
        {
            return "bootstrap";
        }

        if (!ApiKeys.TryGetId(token, out var id))
        {
            throw ControlPlaneProblemException.Unauthorized("The API key is unknown or revoked.");
        }

        var stored = view.Current.AdminKeys.GetValueOrDefault(id);
        if (stored is null && await etcd.GetAsync(etcd.Keys.AdminKey(id), context.RequestAborted).ConfigureAwait(false) is { } kv)
        {
            stored = DocumentJson.Decode<AdminKeyDocument>(kv.Value);
        }

        if (stored is null || !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(ApiKeys.Hash(token)), Convert.FromHexString(stored.Hash)))
        {
            throw ControlPlaneProblemException.Unauthorized("The API key is unknown or revoked.");
        }

        if (!Scopes.Grants([.. stored.Scopes], scope))
        {
            throw ControlPlaneProblemException.Forbidden($"This API key lacks the '{scope}' scope.");
        }

        return $"{stored.Name} ({stored.Id})";
    }

    private static string? BearerToken(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
