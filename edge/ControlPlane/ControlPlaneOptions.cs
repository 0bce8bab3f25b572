using EdgeImages.Etcd.Security;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// The edge's link to the control plane, configuration section <c>ControlPlane</c>. With <c>ControlPlane:Etcd</c>
/// empty (the default) the link is off and the edge runs on its configuration alone, as the quick start does.
/// </summary>
internal sealed class ControlPlaneOptions
{
    public const string SectionName = "ControlPlane";

    /// <summary><c>ControlPlane:Etcd</c>: the etcd cluster's client URLs, comma-separated. Empty: no control plane.</summary>
    public string? Etcd { get; set; }

    /// <summary>
    /// <c>ControlPlane:EtcdCaFile</c>, <c>ControlPlane:EtcdCertificateFile</c>, <c>ControlPlane:EtcdKeyFile</c>: for https
    /// endpoints (required then), the deployment CA's certificate, pinned as the only trust for etcd's members, and this
    /// edge's client certificate and key (PEM). The certificate's common name is the edge's etcd user
    /// (<c>edge.{pop}.{edgeId}</c>), whose role reads configuration and writes only this edge's registration and its
    /// region's cache generation. Plain http is accepted on loopback only.
    /// </summary>
    public string? EtcdCaFile { get; set; }

    public string? EtcdCertificateFile { get; set; }

    public string? EtcdKeyFile { get; set; }

    /// <summary><c>ControlPlane:Prefix</c>: the control plane's key prefix (its <c>Etcd:Prefix</c>).</summary>
    public string Prefix { get; set; } = "/edgeimages/";

    /// <summary><c>ControlPlane:Region</c>: the region this edge serves (a region id at the control plane).</summary>
    public string? Region { get; set; }

    /// <summary><c>ControlPlane:Pop</c>: the PoP this edge belongs to; purges, drains and routing are per PoP.</summary>
    public string? Pop { get; set; }

    /// <summary><c>ControlPlane:EdgeId</c>: unique within the PoP; default the host name.</summary>
    public string EdgeId { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary><c>ControlPlane:PublicAddress</c>: the base URL clients are steered to and the leader probes (<c>https://fra1.img.example</c>).</summary>
    public string? PublicAddress { get; set; }

    /// <summary>
    /// <c>ControlPlane:MasterKey</c>: the control plane's <c>Secrets:MasterKey</c> (64 hex digits), to open signing
    /// secrets. Every edge verifies every key, so a per-edge key would protect nothing an edge does not already
    /// hold; sharing one key keeps etcd, its backups and the snapshot file free of usable secrets.
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>
    /// <c>ControlPlane:StateFile</c>: the last known good configuration on local disk, read at start when etcd cannot
    /// be reached, so an edge restarted during an outage still verifies and serves. Secrets in it stay sealed.
    /// </summary>
    public string StateFile { get; set; } = "control-plane-state.json";

    /// <summary>
    /// <c>ControlPlane:LeaseTtl</c>: the edge's registration vanishes this long after the edge stops renewing, and
    /// routing stops sending clients to it then. Keepalives run every third of it.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>ControlPlane:RequestTimeout</c>: the deadline of each etcd call; an outage costs this, never a hang.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public bool IsEnabled => !string.IsNullOrWhiteSpace(Etcd);

    public IReadOnlyList<Uri> EndpointUris() =>
        [.. (Etcd ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(e => new Uri(e))];

    /// <summary>The TLS files, when configured (validated at start: all three with https endpoints).</summary>
    public EtcdTlsSettings? EtcdTls() =>
        string.IsNullOrWhiteSpace(EtcdCaFile) ? null : new EtcdTlsSettings(EtcdCaFile, EtcdCertificateFile!, EtcdKeyFile!);
}

/// <summary>When the link is on, every key it needs; every problem at once, each naming its key.</summary>
internal sealed class ControlPlaneOptionsValidator : IValidateOptions<ControlPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlaneOptions options)
    {
        if (!options.IsEnabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        foreach (var endpoint in options.Etcd!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"ControlPlane:Etcd: '{endpoint}' is not an http(s)://host:port URL.");
            }
        }

        if (errors.Count == 0)
        {
            errors.AddRange(EtcdTlsSettings.Problems("ControlPlane:Etcd", "ControlPlane:Etcd", options.EtcdCaFile, options.EtcdCertificateFile, options.EtcdKeyFile, options.EndpointUris()));
        }

        if (!IsId(options.Region))
        {
            errors.Add("ControlPlane:Region must be 1 to 63 characters of [a-z0-9-].");
        }

        if (!IsId(options.Pop))
        {
            errors.Add("ControlPlane:Pop must be 1 to 63 characters of [a-z0-9-].");
        }

        if (!IsId(options.EdgeId))
        {
            errors.Add("ControlPlane:EdgeId must be 1 to 63 characters of [a-z0-9-].");
        }

        if (!Uri.TryCreate(options.PublicAddress, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            errors.Add("ControlPlane:PublicAddress must be the edge's absolute http(s) base URL.");
        }

        if (options.MasterKey is not { Length: 64 } key || !key.All(Uri.IsHexDigit))
        {
            errors.Add("ControlPlane:MasterKey must be the control plane's Secrets:MasterKey (64 hex digits).");
        }

        if (string.IsNullOrWhiteSpace(options.StateFile))
        {
            errors.Add("ControlPlane:StateFile must be a file path.");
        }

        if (!options.Prefix.StartsWith('/') || !options.Prefix.EndsWith('/'))
        {
            errors.Add("ControlPlane:Prefix must start and end with '/'.");
        }

        if (options.LeaseTtl < TimeSpan.FromSeconds(3) || options.LeaseTtl > TimeSpan.FromMinutes(1))
        {
            errors.Add("ControlPlane:LeaseTtl must be 3 s to 1 min.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("ControlPlane:RequestTimeout must be between 0 and 30 seconds.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsId(string? id) =>
        id is not null && Sdk.Urls.Identifier.IsValid(id);
}
