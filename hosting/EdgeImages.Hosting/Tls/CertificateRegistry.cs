using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// Every certificate this service presents, one <see cref="ReloadingCertificate"/> per pair of files however many
/// endpoints share it, and their expiry as <c>edgeimages_tls_certificate_expiry_timestamp_seconds{certificate}</c>
/// (meter <c>EdgeImages.Tls</c>), read by the TlsCertificateExpiresSoon alert.
/// </summary>
public sealed class CertificateRegistry : IDisposable
{
    public const string MeterName = "EdgeImages.Tls";

    // Keyed by the role as well as the files: deploy gives a service one certificate for its listener and as its
    // client, and the expiry gauge must name both ("server" and "client"), whichever was asked for first. The cost is
    // a second reader of the same files.
    private readonly ConcurrentDictionary<(string, string, string), ReloadingCertificate> _certificates = new();
    private readonly TlsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ReloadingCertificate> _logger;

    public CertificateRegistry(IOptions<TlsOptions> options, TimeProvider time, ILogger<ReloadingCertificate> logger, IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _options = options.Value;
        _time = time;
        _logger = logger;
        meters.Create(MeterName).CreateObservableGauge(
            "edgeimages.tls.certificate.expiry_timestamp",
            () => _certificates.Values.Select(certificate => new Measurement<double>(
                new DateTimeOffset(certificate.Current.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
                new KeyValuePair<string, object?>("certificate", certificate.Name))),
            "s",
            "When each certificate this service presents expires, in Unix seconds (the one in use, reloads included).");
    }

    /// <summary>The reloading certificate for these files, made on first use.</summary>
    public ReloadingCertificate For(string name, string certificatePath, string? keyPath) =>
        _certificates.GetOrAdd(
            (name, Path.GetFullPath(certificatePath), Path.GetFullPath(keyPath ?? certificatePath)),
            key => new ReloadingCertificate(key.Item1, key.Item2, key.Item3, _options.ReloadInterval, _time, _logger));

    /// <summary><c>Tls:ClientCertificate</c>, or null when none is configured.</summary>
    public ReloadingCertificate? ClientCertificate =>
        _options.ClientCertificate is { IsConfigured: true } client ? For("client", client.Path!, client.KeyPath) : null;

    public IReadOnlyCollection<ReloadingCertificate> All => [.. _certificates.Values];

    public void Dispose()
    {
        foreach (var certificate in _certificates.Values)
        {
            certificate.Dispose();
        }
    }
}
