using System.ComponentModel.DataAnnotations;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Security;
using EdgeImages.Hosting;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// The edge's link to the control plane, configuration section <c>ControlPlane</c>. With <c>ControlPlane:Etcd</c>
/// empty (the default) the link is off and the edge runs on its configuration alone, as the quick start does.
/// </summary>
internal sealed class ControlPlaneOptions : IValidatableObject
{
    public const string SectionName = "ControlPlane";

    // One message for a key that is missing (the link is on) and one that is malformed (the attribute).
    private const string MasterKeyRule = "ControlPlane:MasterKey must be the control plane's Secrets:MasterKey (64 hex digits).";

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
    [RegularExpression("^/(.*/)?$", ErrorMessage = "ControlPlane:Prefix must start and end with '/'.")]
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
    [RegularExpression("^[0-9A-Fa-f]{64}$", ErrorMessage = MasterKeyRule)]
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
    [SettingRange(typeof(TimeSpan), "00:00:03", "00:01:00", ErrorMessage = "ControlPlane:LeaseTtl must be between {1} and {2}.")]
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>ControlPlane:RequestTimeout</c>: the deadline of each etcd call; an outage costs this, never a hang.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.001", "00:00:30", ErrorMessage = "ControlPlane:RequestTimeout must be between {1} and {2}.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public bool IsEnabled => !string.IsNullOrWhiteSpace(Etcd);

    public IReadOnlyList<Uri> EndpointUris() => EtcdEndpoints.Parse(Etcd);

    /// <summary>The TLS files, when configured (validated at start: all three with https endpoints).</summary>
    public EtcdTlsSettings? EtcdTls() =>
        string.IsNullOrWhiteSpace(EtcdCaFile) ? null : new EtcdTlsSettings(EtcdCaFile, EtcdCertificateFile!, EtcdKeyFile!);

    /// <summary>
    /// The rules that are no plain range or pattern: with the link on, the endpoint list's syntax, the TLS files that https
    /// endpoints need, and every key the link cannot do without. With the link off none of them is needed, and the host
    /// name an edge takes for its id by default need not be a valid one.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsEnabled)
        {
            yield break;
        }

        foreach (var problem in EtcdEndpoints.Problems("ControlPlane:Etcd", "ControlPlane:Etcd", Etcd, EtcdCaFile, EtcdCertificateFile, EtcdKeyFile))
        {
            yield return new ValidationResult(problem, [nameof(Etcd)]);
        }

        foreach (var (name, id) in new[] { (nameof(Region), Region), (nameof(Pop), Pop), (nameof(EdgeId), EdgeId) })
        {
            if (id is null || !Identifier.IsValid(id))
            {
                yield return new ValidationResult($"ControlPlane:{name} must be 1 to {Identifier.MaxLength} characters of {Identifier.Characters}.", [name]);
            }
        }

        if (!Uri.TryCreate(PublicAddress, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult("ControlPlane:PublicAddress must be the edge's absolute http(s) base URL.", [nameof(PublicAddress)]);
        }

        // The pattern is the attribute's; what only the link needs is that there is a key at all.
        if (string.IsNullOrEmpty(MasterKey))
        {
            yield return new ValidationResult(MasterKeyRule, [nameof(MasterKey)]);
        }

        if (string.IsNullOrWhiteSpace(StateFile))
        {
            yield return new ValidationResult("ControlPlane:StateFile must be a file path.", [nameof(StateFile)]);
        }
    }
}

/// <summary>
/// The ranges and patterns from the attributes, source-generated; <see cref="ControlPlaneOptions.Validate"/> for the keys
/// the link needs only when it is on.
/// </summary>
[OptionsValidator]
internal sealed partial class ControlPlaneOptionsValidator : IValidateOptions<ControlPlaneOptions>;
