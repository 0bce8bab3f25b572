using EdgeImages.Hosting.Tls;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeImages.Edge.Origin;

/// <summary>
/// The connections to the origin nodes (fetches and YARP's health probes alike) over HTTPS with the deployment CA
/// pinned and this edge's client certificate presented (<c>Tls:CaPath</c>, <c>Tls:ClientCertificate</c>): the origin
/// serves reads only to edges that prove themselves with both the certificate and <c>Origin:Credential</c>. Without a CA
/// configured, YARP's defaults (plain HTTP destinations in tests and the quick start).
/// </summary>
internal sealed class OriginHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger, TrustAnchor anchor, CertificateRegistry certificates)
    : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        PinnedTlsClient.Configure(handler, anchor, certificates);
    }
}
