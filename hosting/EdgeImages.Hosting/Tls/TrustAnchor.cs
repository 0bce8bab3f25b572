using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// The deployment CA pinned as the only root for peers (<see cref="TlsOptions.CaPath"/>): a peer's certificate must chain
/// to it, be within its dates and carry the extended key usage of its role (server or client authentication). No
/// revocation check: the deployment CA publishes no CRL, and its certificates live 30 days and are rotated well before.
/// </summary>
public sealed class TrustAnchor
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2Collection _roots = [];

    public TrustAnchor(IOptions<TlsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Value.HasCa)
        {
            _roots.ImportFromPemFile(options.Value.CaPath!);
        }
    }

    public bool IsConfigured => _roots.Count > 0;

    /// <summary>A client certificate presented to one of this service's listeners.</summary>
    public bool ValidatesClient(X509Certificate2 certificate, X509Chain? presented) => Validates(certificate, presented, ClientAuthentication);

    /// <summary>
    /// A server certificate this service met when calling a peer. The name check is the platform's (the SAN must name
    /// the address called); only the chain is rebuilt against the pinned root.
    /// </summary>
    public bool ValidatesServer(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        return Validates(certificate as X509Certificate2 ?? new X509Certificate2(certificate), presented, ServerAuthentication);
    }

    private bool Validates(X509Certificate2 certificate, X509Chain? presented, string usage)
    {
        if (_roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        if (presented is not null)
        {
            // Intermediates the peer sent along; they are only candidates, the root must still be ours.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }
}
