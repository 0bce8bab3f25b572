using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// How a service calls its peers over HTTPS: their server certificate must chain to the pinned deployment CA (never
/// the system store), TLS 1.2 or 1.3, and, when <c>Tls:ClientCertificate</c> is set, this service's client certificate
/// presented to whoever asks, the current one after a reload. Pooled connections are recycled every few minutes so a
/// rotated certificate, ours or the peer's, is in use everywhere within that time.
/// </summary>
public static class PinnedTlsClient
{
    /// <summary>How long a pooled connection lives: rotations reach long-lived connections within this.</summary>
    public static readonly TimeSpan ConnectionLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Applies the pinning to <paramref name="handler"/> when a CA is configured; otherwise leaves it as it is.</summary>
    public static SocketsHttpHandler Configure(SocketsHttpHandler handler, TrustAnchor anchor, CertificateRegistry certificates)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(certificates);
        if (!anchor.IsConfigured)
        {
            return handler;
        }

        handler.PooledConnectionLifetime = ConnectionLifetime;
        var ssl = handler.SslOptions;
        ssl.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        ssl.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => anchor.ValidatesServer(certificate, chain, errors);
        if (certificates.ClientCertificate is { } client)
        {
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => client.Current;
        }

        return handler;
    }
}
