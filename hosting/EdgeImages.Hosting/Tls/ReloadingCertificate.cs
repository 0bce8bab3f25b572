using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// A certificate and key read from two PEM files and reread every <see cref="TlsOptions.ReloadInterval"/>: when either
/// file's bytes change and the pair loads, <see cref="Current"/> is the new certificate for every handshake from then
/// on. Connections already open keep theirs. A pair that does not load (a rotation caught between writing the key and
/// the certificate) is logged and the last good certificate stays, to be tried again at the next tick.
/// </summary>
public sealed partial class ReloadingCertificate : IDisposable
{
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _refreshing = new();
    private byte[] _loadedDigest;
    private X509Certificate2 _current;

    internal ReloadingCertificate(string name, string certificatePath, string keyPath, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        Name = name;
        CertificatePath = Path.GetFullPath(certificatePath);
        KeyPath = Path.GetFullPath(keyPath);
        _logger = logger;
        var (certificatePem, keyPem) = Read();
        // At start-up a pair that does not load is fatal: the service would have nothing to present.
        _current = Load(certificatePem, keyPem);
        _loadedDigest = Digest(certificatePem, keyPem);
        _timer = time.CreateTimer(_ => Refresh(), null, interval, interval);
    }

    /// <summary>Which certificate this is (<c>server</c>, <c>client</c>, or an endpoint's name): the metric's label.</summary>
    public string Name { get; }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    /// <summary>The certificate, with its private key, that new handshakes use.</summary>
    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>Rereads the files now (the timer calls this); true when a new certificate was taken.</summary>
    public bool Refresh()
    {
        lock (_refreshing)
        {
            try
            {
                var (certificatePem, keyPem) = Read();
                var digest = Digest(certificatePem, keyPem);
                if (CryptographicOperations.FixedTimeEquals(digest, _loadedDigest))
                {
                    return false;
                }

                var loaded = Load(certificatePem, keyPem);
                // The old certificate is not disposed: a handshake that picked it a moment ago may still be using its key.
                Volatile.Write(ref _current, loaded);
                _loadedDigest = digest;
                Log.Reloaded(_logger, Name, loaded);
                return true;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                Log.ReloadFailed(_logger, Name, CertificatePath, exception.Message);
                return false;
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private (string Certificate, string Key) Read() => (File.ReadAllText(CertificatePath), File.ReadAllText(KeyPath));

    private static byte[] Digest(string certificatePem, string keyPem) =>
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(certificatePem + "\n" + keyPem));

    private static X509Certificate2 Load(string certificatePem, string keyPem)
    {
        var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }

        // Windows' TLS stack (SChannel) cannot use an ephemeral key from PEM; a PKCS#12 round trip gives it a stored one.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
        }
    }

    private static partial class Log
    {
        public static void Reloaded(ILogger logger, string name, X509Certificate2 certificate)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var serial = certificate.SerialNumber;
                var notAfter = certificate.NotAfter.ToUniversalTime();
                Reloaded(logger, name, serial, notAfter);
            }
        }

        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Certificate {Name} reloaded: serial {Serial}, valid until {NotAfter:O}.")]
        private static partial void Reloaded(ILogger logger, string name, string serial, DateTime notAfter);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Certificate {Name} ({Path}) changed but does not load; the previous one stays: {Reason}")]
        public static partial void ReloadFailed(ILogger logger, string name, string path, string reason);
    }
}
