using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeImages.Testing.Tls;

/// <summary>A certificate and its private key as two PEM files, the shape Kestrel's <c>Path</c> + <c>KeyPath</c>, Redis, etcd and PostgreSQL all read.</summary>
public sealed record PemFiles(string CertificatePath, string KeyPath)
{
    /// <summary>
    /// Writes <paramref name="certificate"/> to <c>{directory}/{name}.crt</c> and its key (PKCS#8) to
    /// <c>{directory}/{name}.key</c> with mode 0600 from the moment it exists (servers such as PostgreSQL refuse a key
    /// others can read, and nobody else should). Existing files are replaced by a rename, so a process that watches or
    /// rereads them never sees half a file. With <paramref name="includeChain"/> the issuer's certificate follows the
    /// leaf in the certificate file.
    /// </summary>
    public static PemFiles Write(X509Certificate2 certificate, string directory, string name, X509Certificate2? includeChain = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Directory.CreateDirectory(directory);
        var files = new PemFiles(Path.Combine(directory, name + ".crt"), Path.Combine(directory, name + ".key"));

        var pem = certificate.ExportCertificatePem() + "\n";
        if (includeChain is not null)
        {
            pem += includeChain.ExportCertificatePem() + "\n";
        }

        WriteReplacing(files.CertificatePath, pem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        WriteReplacing(files.KeyPath, ExportKeyPem(certificate) + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return files;
    }

    /// <summary>Loads the pair back, as a service would.</summary>
    public X509Certificate2 Load() => X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);

    private static string ExportKeyPem(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
            ?? certificate.GetRSAPrivateKey()
            ?? throw new InvalidOperationException($"{certificate.Subject} has no private key to write.");
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static void WriteReplacing(string path, string contents, UnixFileMode mode)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
