using System.Security.Cryptography;
using System.Text;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// Finds the caller an API key belongs to. Keys are looked up in the watched cluster view first, so authentication keeps
/// working while etcd has no quorum; a key created a moment ago on another replica that this one has not seen yet is
/// read from etcd directly.
/// </summary>
internal sealed class AdminKeyValidator(ClusterView view, EtcdStore etcd, DocumentReader documents, IOptions<AdminOptions> options)
{
    private readonly byte[]? _bootstrap = options.Value.BootstrapKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    /// <returns>The caller, or null when nobody issued this key or it was revoked.</returns>
    public async Task<AdminCaller?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (_bootstrap is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), _bootstrap))
        {
            return new AdminCaller("bootstrap", new HashSet<string>(StringComparer.Ordinal) { Scopes.Admin }, KeyTenants.AllTenants);
        }

        if (!ApiKeys.TryGetId(token, out var id))
        {
            return null;
        }

        var stored = view.Current.AdminKeys.GetValueOrDefault(id);
        // A stored key that does not read authenticates nobody (and is reported), rather than failing the request.
        if (stored is null && await etcd.GetAsync(etcd.Keys.AdminKey(id), cancellationToken).ConfigureAwait(false) is { } kv)
        {
            stored = documents.TryRead<AdminKeyDocument>(kv, out var read) ? read : null;
        }

        if (stored is null || !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(ApiKeys.Hash(token)), Convert.FromHexString(stored.Hash)))
        {
            return null;
        }

        // No tenant list: a platform key (every key written before keys could be scoped is one). A list that does not
        // parse reaches nothing rather than everything.
        KeyTenants tenants;
        if (stored.Tenants is null)
        {
            tenants = KeyTenants.AllTenants;
        }
        else if (!KeyTenants.TryCreate(stored.Tenants, out var parsed, out _) || parsed.IsPlatform)
        {
            return null;
        }
        else
        {
            tenants = parsed;
        }

        return new AdminCaller($"{stored.Name} ({stored.Id})", stored.Scopes.ToHashSet(StringComparer.Ordinal), tenants);
    }
}
