using System.Security.Cryptography.X509Certificates;

namespace EdgeImages.Testing.Tls;

/// <summary>
/// A folder of PEM files for one test: the deployment CA's certificate (<c>ca.crt</c>), certificates it issued, and
/// an unrelated CA (<see cref="Stranger"/>) for the refusals. Deleted on dispose.
/// </summary>
public sealed class TestPki : IDisposable
{
    public TestPki()
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgeimages-pki-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Authority = TestCertificateAuthority.Create("EdgeImages test deployment CA");
        Stranger = TestCertificateAuthority.Create("Unrelated CA");
        CaCertificatePath = Authority.WriteCertificate(Path.Combine(Directory, "ca.crt"));
    }

    public string Directory { get; }

    /// <summary>The deployment's CA: every service trusts it, and only it.</summary>
    public TestCertificateAuthority Authority { get; }

    /// <summary>Another CA, trusted by nobody here.</summary>
    public TestCertificateAuthority Stranger { get; }

    /// <summary>The deployment CA's certificate as PEM, the file services pin.</summary>
    public string CaCertificatePath { get; }

    /// <summary>A server certificate from the deployment CA (SANs 127.0.0.1, ::1, localhost) written as <c>{name}.crt/.key</c>.</summary>
    public PemFiles IssueServer(string name) => Write(Authority.IssueServer(name), name);

    /// <summary>A client certificate from the deployment CA written as <c>{name}.crt/.key</c>.</summary>
    public PemFiles IssueClient(string name) => Write(Authority.IssueClient(name), name);

    /// <summary>A client certificate from <see cref="Stranger"/> with the same name a real one would have.</summary>
    public PemFiles IssueStrangerClient(string name) => Write(Stranger.IssueClient(name), name);

    /// <summary>An HttpClient trusting the deployment CA alone, presenting <paramref name="clientCertificate"/> when given.</summary>
    public HttpClient CreateClient(PemFiles? clientCertificate = null, Action<X509Certificate2>? onServerCertificate = null, Uri? baseAddress = null) =>
        PinnedHttpClient.Create(Authority.Certificate, clientCertificate, onServerCertificate, baseAddress);

    public void Dispose()
    {
        Authority.Dispose();
        Stranger.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A server still holding a file open; the temp folder is cleaned by the OS.
        }
    }

    private PemFiles Write(X509Certificate2 certificate, string name)
    {
        using (certificate)
        {
            return PemFiles.Write(certificate, Directory, name);
        }
    }
}
