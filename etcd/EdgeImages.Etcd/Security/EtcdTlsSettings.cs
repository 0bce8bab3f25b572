using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeImages.Etcd.Security;

/// <summary>
/// How a service proves itself to etcd and knows it reached the deployment's etcd: the CA every member's certificate
/// chains to (pinned, the machine's store plays no part), and the service's client certificate, whose common name is
/// its etcd user (etcd runs with <c>--client-cert-auth</c> and takes the user from the certificate, so no password
/// exists to leak). PEM files, as the deployment CA writes them.
/// </summary>
/// <param name="CaFile">The deployment CA's certificate.</param>
/// <param name="CertificateFile">This service's client certificate (CN = its etcd user).</param>
/// <param name="KeyFile">Its private key, mode 0600.</param>
public sealed record EtcdTlsSettings(string CaFile, string CertificateFile, string KeyFile)
{
    /// <summary>
    /// The problems with a service's etcd endpoints and files, each naming its setting (<paramref name="settings"/>
    /// followed by <c>CaFile</c>, <c>CertificateFile</c>, <c>KeyFile</c>; <paramref name="endpointsSetting"/>). All three
    /// files are needed together: etcd refuses a TLS client without a certificate, and a certificate without the pinned
    /// CA would trust whatever answers.
    /// </summary>
    public static IEnumerable<string> Problems(string endpointsSetting, string settings, string? caFile, string? certificateFile, string? keyFile, IReadOnlyList<Uri> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var any = !string.IsNullOrWhiteSpace(caFile) || !string.IsNullOrWhiteSpace(certificateFile) || !string.IsNullOrWhiteSpace(keyFile);
        var secure = endpoints.Any(e => e.Scheme == Uri.UriSchemeHttps);
        if (endpoints.Any(e => e.Scheme == Uri.UriSchemeHttps) && endpoints.Any(e => e.Scheme == Uri.UriSchemeHttp))
        {
            yield return $"{endpointsSetting}: every etcd endpoint must use the same scheme (all https, or all http on loopback).";
        }

        foreach (var endpoint in endpoints.Where(e => e.Scheme == Uri.UriSchemeHttp && !e.IsLoopback))
        {
            // Plain gRPC to another machine would carry signing keys and tenants in clear and let anyone write them.
            yield return $"{endpointsSetting}: {endpoint} is plain http to another machine; etcd beyond loopback must be https with a client certificate.";
        }

        if (secure || any)
        {
            foreach (var (name, path) in new[] { ("CaFile", caFile), ("CertificateFile", certificateFile), ("KeyFile", keyFile) })
            {
                if (string.IsNullOrWhiteSpace(path))
                {
                    yield return $"{settings}{name} must name a PEM file when etcd is reached over https.";
                }
                else if (!File.Exists(path))
                {
                    yield return $"{settings}{name}: {path} does not exist.";
                }
            }

            if (any && !secure)
            {
                yield return $"{endpointsSetting}: certificates are configured ({settings}…) but the etcd endpoints are http; use https.";
            }
        }
    }

    /// <summary>The TLS side of a connection to an etcd member: TLS 1.2 or 1.3, the pinned CA, the client certificate.</summary>
    internal static SslClientAuthenticationOptions ClientOptions(PinnedCertificateAuthority authority, ReloadingCertificate certificate) => new()
    {
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        RemoteCertificateValidationCallback = authority.Validate,
        // Read at each handshake (cached until the files change), so a rotated certificate is used by the next
        // connection without a restart.
        LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate.Current(),
    };
}

/// <summary>A certificate and key read from PEM files, read again when either file changes (a rotation replaces both by rename).</summary>
internal sealed class ReloadingCertificate(string certificateFile, string keyFile) : IDisposable
{
    private readonly Lock _lock = new();
    private (DateTime Certificate, DateTime Key) _stamp;
    private X509Certificate2? _current;

    public X509Certificate2 Current()
    {
        var stamp = (File.GetLastWriteTimeUtc(certificateFile), File.GetLastWriteTimeUtc(keyFile));
        lock (_lock)
        {
            if (_current is null || stamp != _stamp)
            {
                // The previous one is not disposed: a handshake in flight may still hold it. Rotations are rare.
                _current = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
                _stamp = stamp;
            }

            return _current;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _current?.Dispose();
            _current = null;
        }
    }
}
