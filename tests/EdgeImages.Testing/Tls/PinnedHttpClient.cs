using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeImages.Testing.Tls;

/// <summary>
/// An HttpClient for tests that trusts one CA and nothing else, optionally presents a client certificate, and reports
/// the server certificate of each new connection (the reload tests read its serial).
/// </summary>
public static class PinnedHttpClient
{
    public static HttpClient Create(
        X509Certificate2 trusted,
        PemFiles? clientCertificate = null,
        Action<X509Certificate2>? onServerCertificate = null,
        Uri? baseAddress = null)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        var root = X509CertificateLoader.LoadCertificate(trusted.RawData);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }

            var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            onServerCertificate?.Invoke(server);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(server);
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate.Load()];
        }

        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }
}
