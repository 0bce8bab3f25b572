using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeImages.Testing.Tls;

/// <summary>
/// A deployment CA for tests, made in memory with .NET's <see cref="CertificateRequest"/>: a self-signed root that
/// issues server certificates (for a service's listener) and client certificates (for mutual TLS). Keys are ECDSA
/// P-256, which is quick to make (a test makes several CAs) and what a real deployment would choose too. Make a second
/// instance for the "another CA" of negative tests: two instances share nothing.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    // Oids of the extended key usages: TLS server authentication and TLS client authentication (RFC 5280 4.2.1.12).
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    // Certificates start five minutes in the past so that a peer whose clock is a little behind accepts them.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly ECDsa _key;

    private TestCertificateAuthority(string name, X509Certificate2 certificate, ECDsa key)
    {
        Name = name;
        Certificate = certificate;
        _key = key;
    }

    public string Name { get; }

    /// <summary>The root certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The root certificate alone, as PEM: what a peer pins as its only trust anchor.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>A new self-signed CA, valid for <paramref name="lifetime"/> (default a year).</summary>
    public static TestCertificateAuthority Create(string name = "EdgeImages test CA", TimeSpan? lifetime = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now - ClockSkew, now + (lifetime ?? TimeSpan.FromDays(365)));
        return new TestCertificateAuthority(name, certificate, key);
    }

    /// <summary>
    /// A server certificate for <paramref name="name"/> with the given subject alternative names (IP addresses and
    /// DNS names); with none, <c>127.0.0.1</c>, <c>::1</c> and <c>localhost</c>, where every test server listens.
    /// </summary>
    public X509Certificate2 IssueServer(string name, IEnumerable<string>? subjectAlternativeNames = null, TimeSpan? lifetime = null)
        => Issue(name, ServerAuthOid, subjectAlternativeNames ?? ["127.0.0.1", "::1", "localhost"], lifetime);

    /// <summary>A client certificate for <paramref name="name"/> (an edge, a control-plane replica), for mutual TLS.</summary>
    public X509Certificate2 IssueClient(string name, TimeSpan? lifetime = null)
        => Issue(name, ClientAuthOid, [], lifetime);

    /// <summary>A certificate usable both ways (a service that listens and also calls its peers with the same identity).</summary>
    public X509Certificate2 IssueServerAndClient(string name, IEnumerable<string>? subjectAlternativeNames = null, TimeSpan? lifetime = null)
        => Issue(name, null, subjectAlternativeNames ?? ["127.0.0.1", "::1", "localhost"], lifetime);

    /// <summary>Writes the CA's certificate (never its key) as PEM to <paramref name="path"/> and returns the path.</summary>
    public string WriteCertificate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, CertificatePem);
        return path;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }

    private X509Certificate2 Issue(string name, string? usageOid, IEnumerable<string> subjectAlternativeNames, TimeSpan? lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var usages = new OidCollection();
        if (usageOid is null)
        {
            usages.Add(new Oid(ServerAuthOid));
            usages.Add(new Oid(ClientAuthOid));
        }
        else
        {
            usages.Add(new Oid(usageOid));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        var names = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var san in subjectAlternativeNames)
        {
            any = true;
            if (IPAddress.TryParse(san, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(san);
            }
        }

        if (any)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        var now = DateTimeOffset.UtcNow;
        var notAfter = now + (lifetime ?? TimeSpan.FromDays(30));
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        // A random 16-byte serial: the reload tests tell two certificates for one name apart by it.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive, as RFC 5280 asks
        using var issued = request.Create(Certificate, now - ClockSkew, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }
}
