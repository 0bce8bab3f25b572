using Microsoft.Extensions.Options;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// What a service needs beyond Kestrel's own <c>Kestrel:Endpoints</c> and <c>Kestrel:Certificates</c> settings, section
/// <c>Tls</c>: the deployment CA its peers' certificates must chain to, the certificate it presents when it calls a peer,
/// how often certificate files are reread, and HSTS. Every path is a PEM file.
/// </summary>
public sealed class TlsOptions
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
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Tls:HstsMaxAge</c>: <c>Strict-Transport-Security: max-age</c> on HTTPS answers (a year, what browsers' preload
    /// lists ask for). Not <c>includeSubDomains</c>: a tenant's CNAME under the same domain may not have HTTPS yet.
    /// Zero switches HSTS off.
    /// </summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    public bool HasCa => !string.IsNullOrWhiteSpace(CaPath);
}

/// <summary>A certificate and its private key as two PEM files, as Kestrel's <c>Certificate:Path</c> and <c>KeyPath</c>.</summary>
public sealed class CertificateFileOptions
{
    public string? Path { get; set; }

    public string? KeyPath { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Path);
}

internal sealed class TlsOptionsValidator : IValidateOptions<TlsOptions>
{
    public ValidateOptionsResult Validate(string? name, TlsOptions options)
    {
        var errors = new List<string>();
        if (options.HasCa && !File.Exists(options.CaPath))
        {
            errors.Add($"Tls:CaPath names a file that does not exist: {options.CaPath}.");
        }

        var client = options.ClientCertificate;
        if (client.IsConfigured && (!File.Exists(client.Path) || string.IsNullOrWhiteSpace(client.KeyPath) || !File.Exists(client.KeyPath)))
        {
            errors.Add("Tls:ClientCertificate:Path and Tls:ClientCertificate:KeyPath must both name existing PEM files.");
        }

        if (client.IsConfigured && !options.HasCa)
        {
            errors.Add("Tls:ClientCertificate needs Tls:CaPath: a client certificate is for a peer whose own certificate this service pins.");
        }

        if (options.ReloadInterval < TimeSpan.FromMilliseconds(100) || options.ReloadInterval > TimeSpan.FromHours(1))
        {
            errors.Add("Tls:ReloadInterval must be between 00:00:00.1 and 01:00:00.");
        }

        if (options.HstsMaxAge < TimeSpan.Zero)
        {
            errors.Add("Tls:HstsMaxAge must not be negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
