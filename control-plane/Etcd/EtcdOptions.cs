using System.ComponentModel.DataAnnotations;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Security;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Etcd;

/// <summary>Where the state lives, configuration section <c>Etcd</c>.</summary>
internal sealed class EtcdOptions : IValidatableObject
{
    public const string SectionName = "Etcd";

    /// <summary>
    /// <c>Etcd:Endpoints</c>: the cluster's client URLs, comma-separated (<c>http://10.0.0.1:2379,http://10.0.0.2:2379</c>).
    /// Every member is listed so that losing one costs nothing: calls are balanced over the members that answer.
    /// </summary>
    public string Endpoints { get; set; } = "";

    /// <summary><c>Etcd:Prefix</c>: every key lives below it, so one etcd cluster can hold several deployments.</summary>
    [RegularExpression("^/(.*/)?$", ErrorMessage = "Etcd:Prefix must start and end with '/'.")]
    public string Prefix { get; set; } = "/edgeimages/";

    /// <summary>
    /// <c>Etcd:RequestTimeout</c>: the deadline of every unary call. Without a quorum etcd does not fail a write, it
    /// waits; this bound turns that wait into a quick 503 instead of a hung admin request.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.001", "00:00:30", ErrorMessage = "Etcd:RequestTimeout must be between {1} and {2}.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>Etcd:CaFile</c>, <c>Etcd:CertificateFile</c>, <c>Etcd:KeyFile</c>: for https endpoints (required then), the
    /// deployment CA's certificate, pinned as the only trust for etcd's members, and this replica's client certificate
    /// and key (PEM). The certificate's common name is its etcd user (<c>control-plane</c>), whose role writes the whole
    /// prefix; etcd's root user is for bootstrap alone. Plain http is accepted on loopback only.
    /// </summary>
    public string? CaFile { get; set; }

    public string? CertificateFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>The TLS files, when configured (validated at start: all three with https endpoints).</summary>
    public EtcdTlsSettings? Tls() =>
        string.IsNullOrWhiteSpace(CaFile) ? null : new EtcdTlsSettings(CaFile, CertificateFile!, KeyFile!);

    public IReadOnlyList<Uri> EndpointUris() => EtcdEndpoints.Parse(Endpoints);

    /// <summary>The rules that are no plain range: the endpoint list's syntax, and the TLS files that https endpoints need.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EtcdEndpoints.Split(Endpoints).Length == 0)
        {
            yield return new ValidationResult("Etcd:Endpoints must list the etcd cluster's client URLs, comma-separated (http://host:2379,...).", [nameof(Endpoints)]);
            yield break;
        }

        foreach (var problem in EtcdEndpoints.Problems("Etcd:Endpoints", "Etcd:", Endpoints, CaFile, CertificateFile, KeyFile))
        {
            yield return new ValidationResult(problem, [nameof(Endpoints)]);
        }
    }
}

/// <summary>The ranges and the prefix's pattern from the attributes, source-generated; <see cref="EtcdOptions.Validate"/> for the rest.</summary>
[OptionsValidator]
internal sealed partial class EtcdOptionsValidator : IValidateOptions<EtcdOptions>;
