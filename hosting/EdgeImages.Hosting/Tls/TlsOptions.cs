using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// What a service needs beyond Kestrel's own <c>Kestrel:Endpoints</c> and <c>Kestrel:Certificates</c> settings, section
/// <c>Tls</c>: the deployment CA its peers' certificates must chain to, the certificate it presents when it calls a peer,
/// how often certificate files are reread, and HSTS. Every path is a PEM file.
/// </summary>
public sealed class TlsOptions : IValidatableObject
{
    public const string SectionName = "Tls";

    /// <summary>
    /// <c>Tls:CaPath</c>: the deployment CA's certificate (PEM; several for a CA rollover), pinned as the only trust
    /// anchor for peers: clients presenting certificates to a listener with <c>ClientCertificateMode</c>, and servers this
    /// service calls (the edge's origin, the control plane's probes). The system store is not consulted for them: a
    /// public CA would vouch for any name it was asked to. Empty: no pinned peers (the quick start).
    /// </summary>
    public string? CaPath { get; set; }

    /// <summary><c>Tls:ClientCertificate:Path</c> and <c>KeyPath</c>: what this service presents when it calls a peer that asks (mutual TLS).</summary>
    public CertificateFileOptions ClientCertificate { get; set; } = new();

    /// <summary>
    /// <c>Tls:ReloadInterval</c>: how often certificate files are reread. A renewed certificate is used for new
    /// connections within this (no restart); rereading two small files is cheap, and polling works where file watchers
    /// do not (symlink swaps of mounted secrets, network file systems).
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Tls:ReloadInterval must be between {1} and {2}.")]
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Tls:HstsMaxAge</c>: <c>Strict-Transport-Security: max-age</c> on HTTPS answers (a year, what browsers' preload
    /// lists ask for). Not <c>includeSubDomains</c>: a tenant's CNAME under the same domain may not have HTTPS yet.
    /// Zero switches HSTS off.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Tls:HstsMaxAge must be between {1} (off) and {2}.")]
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    public bool HasCa => !string.IsNullOrWhiteSpace(CaPath);

    /// <summary>The rules that ask the file system, or tie the client certificate to the pinned CA.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HasCa && !File.Exists(CaPath))
        {
            yield return new ValidationResult($"Tls:CaPath names a file that does not exist: {CaPath}.", [nameof(CaPath)]);
        }

        var client = ClientCertificate;
        if (client.IsConfigured && (!File.Exists(client.Path) || string.IsNullOrWhiteSpace(client.KeyPath) || !File.Exists(client.KeyPath)))
        {
            yield return new ValidationResult("Tls:ClientCertificate:Path and Tls:ClientCertificate:KeyPath must both name existing PEM files.", [nameof(ClientCertificate)]);
        }

        if (client.IsConfigured && !HasCa)
        {
            yield return new ValidationResult(
                "Tls:ClientCertificate needs Tls:CaPath: a client certificate is for a peer whose own certificate this service pins.", [nameof(ClientCertificate)]);
        }
    }
}

/// <summary>A certificate and its private key as two PEM files, as Kestrel's <c>Certificate:Path</c> and <c>KeyPath</c>.</summary>
public sealed class CertificateFileOptions
{
    public string? Path { get; set; }

    public string? KeyPath { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Path);
}

/// <summary>The ranges from the attributes, source-generated; <see cref="TlsOptions.Validate"/> for the rest.</summary>
[OptionsValidator]
internal sealed partial class TlsOptionsValidator : IValidateOptions<TlsOptions>;
