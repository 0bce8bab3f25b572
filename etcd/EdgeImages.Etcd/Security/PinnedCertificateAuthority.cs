using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeImages.Etcd.Security;

/// <summary>
/// Trust in one deployment CA and nothing else: a server's certificate is accepted when it chains to a certificate of
/// the pinned file and names the host that was dialled. The machine's trust store plays no part, so a certificate a
/// public CA issued for the same name is refused, and so is one from another deployment's CA. Used for the hops to the
/// stores (etcd, Redis), whose certificates come from the deployment CA alone.
/// </summary>
public sealed class PinnedCertificateAuthority : IDisposable
{
    // TLS server authentication (RFC 5280 4.2.1.12): a client certificate presented by a server is not a server's.
    private const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    private readonly X509Certificate2Collection _authorities;

    private PinnedCertificateAuthority(X509Certificate2Collection authorities) => _authorities = authorities;

    /// <summary>The CA certificates of a PEM file (one, or a bundle while a CA is being replaced).</summary>
    public static PinnedCertificateAuthority FromPemFile(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        if (authorities.Count == 0)
        {
            throw new InvalidOperationException($"{path} holds no PEM certificate.");
        }

        return new PinnedCertificateAuthority(authorities);
    }

    /// <summary>A chain policy that trusts the pinned CA alone, for <see cref="SslClientAuthenticationOptions.CertificateChainPolicy"/>.</summary>
    public X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // The deployment CA publishes no revocation list; short-lived certificates and rotation stand in for it.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(_authorities);
        policy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ServerAuthenticationOid));
        return policy;
    }

    /// <summary>
    /// A <see cref="RemoteCertificateValidationCallback"/>: true only for a certificate that names the dialled host and
    /// chains to the pinned CA. The platform's verdict is used for the name alone; the chain is built again here
    /// because the platform built it against the machine's store.
    /// </summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var leaf = certificate as X509Certificate2 is { } typed ? X509CertificateLoader.LoadCertificate(typed.RawData) : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var pinned = new X509Chain { ChainPolicy = ChainPolicy() };
        if (chain is not null)
        {
            // Intermediates the server sent along.
            foreach (var element in chain.ChainElements)
            {
                pinned.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return pinned.Build(leaf);
    }

    public void Dispose()
    {
        foreach (var authority in _authorities)
        {
            authority.Dispose();
        }
    }
}
