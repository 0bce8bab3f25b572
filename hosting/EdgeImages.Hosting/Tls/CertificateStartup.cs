using Microsoft.Extensions.Hosting;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// Loads <c>Tls:ClientCertificate</c> at start-up, so a missing or broken file stops the service with its name instead
/// of failing the first call to a peer, and its expiry is exported from the first scrape.
/// </summary>
internal sealed class CertificateStartup(CertificateRegistry certificates) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = certificates.ClientCertificate;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
