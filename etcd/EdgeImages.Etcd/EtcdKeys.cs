using System.Globalization;

namespace EdgeImages.Etcd;

/// <summary>
/// The key layout below a deployment's prefix, for the control plane, which writes it, and the edges, which read it.
/// <code>
/// regions/{id}            a region and its location (JSON)
/// pops/{id}               a PoP, its region and location
/// edges/{pop}/{edgeId}    an edge's registration and readiness, under the edge's lease: it vanishes when the edge dies
/// probes/{pop}/{edgeId}   the leader's last active probe of that edge, under the leader's lease
/// drain/{pop}             present while the PoP is drained
/// keys/{kid}              a signing key: AES-GCM-encrypted secret, state, timestamps
/// tenants/{id}            a tenant's settings
/// purges/{id}             a purge event; the leader deletes them after Purge:Retention
/// purge-horizon           the highest revision of a purge event the leader has deleted (see PurgeLog)
/// cache-generations/{region}  the generation of the region's Redis tier, raised by an edge that missed purges
/// audit/{time}-{id}       who changed what, when; written in the same transaction as the change
/// admin-keys/{id}         a scoped API key, SHA-256 of the key only
/// leader                  the elected replica, under its lease
/// </code>
/// </summary>
public sealed class EtcdKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public string Regions => Prefix + "regions/";

    public string Pops => Prefix + "pops/";

    public string Edges => Prefix + "edges/";

    public string Probes => Prefix + "probes/";

    public string Drains => Prefix + "drain/";

    public string Keys => Prefix + "keys/";

    public string Tenants => Prefix + "tenants/";

    public string Purges => Prefix + "purges/";

    public string PurgeHorizon => Prefix + "purge-horizon";

    public string CacheGenerations => Prefix + "cache-generations/";

    public string Audit => Prefix + "audit/";

    public string AdminKeys => Prefix + "admin-keys/";

    public string Leader => Prefix + "leader";

    public string Region(string id) => Regions + id;

    public string Pop(string id) => Pops + id;

    public string Edge(string pop, string edgeId) => $"{Edges}{pop}/{edgeId}";

    public string Probe(string pop, string edgeId) => $"{Probes}{pop}/{edgeId}";

    public string Drain(string pop) => Drains + pop;

    public string Key(string kid) => Keys + kid;

    public string Tenant(string id) => Tenants + id;

    public string AdminKey(string id) => AdminKeys + id;

    public string CacheGeneration(string region) => CacheGenerations + region;

    /// <summary>Sortable by time, unique by the random suffix, so a range read of <c>purges/</c> is in order.</summary>
    public string Purge(DateTimeOffset at, string id) => $"{Purges}{at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}-{id}";

    public string AuditEntry(DateTimeOffset at, string id) => $"{Audit}{at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}-{id}";
}
