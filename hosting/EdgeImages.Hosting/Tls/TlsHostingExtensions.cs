using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// HTTPS the same way in the edge, the origin and the control plane. Endpoints and certificates are configured as in
/// any ASP.NET Core app (<c>Kestrel:Endpoints:{name}:Url</c> = <c>https://…</c>, <c>Certificate:Path</c> and
/// <c>KeyPath</c> on the endpoint or under <c>Kestrel:Certificates:Default</c>, <c>ClientCertificateMode</c>); this adds
/// what Kestrel does not: TLS 1.2 and 1.3 only, certificates reread from their files without a restart, client
/// certificates checked against the pinned deployment CA, HSTS, and a plain-HTTP endpoint that only redirects.
/// </summary>
public static class TlsHostingExtensions
{
    private const SslProtocols Allowed = SslProtocols.Tls12 | SslProtocols.Tls13;

    public static WebApplicationBuilder AddEdgeImagesTls(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<TlsOptions, TlsOptionsValidator>(builder.Configuration, TlsOptions.SectionName);
        builder.Services.AddSingleton<CertificateRegistry>();
        builder.Services.AddSingleton<TrustAnchor>();
        builder.Services.AddHostedService<CertificateStartup>();
        // The expiry gauge reaches /metrics through the host's metrics rules, like every meter of the service.
        builder.Metrics.EnableMetrics(CertificateRegistry.MeterName, null, "OpenTelemetry", MeterScope.Global | MeterScope.Local);

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var section = context.Configuration.GetSection("Kestrel");
            // Kestrel's own reload (on by default) rebinds an endpoint when its certificate file changes: the listening
            // socket closes for a moment and open connections are drained. The selector below swaps the certificate for
            // new handshakes with the socket untouched, so Kestrel's reload is switched off.
            var loader = kestrel.Configure(section, reloadOnChange: false);
            var services = kestrel.ApplicationServices;
            var defaultCertificate = section.GetSection("Certificates:Default");
            kestrel.ConfigureHttpsDefaults(https => Secure(https, services, "server", defaultCertificate));
            foreach (var endpoint in section.GetSection("Endpoints").GetChildren())
            {
                var name = endpoint.Key;
                loader.Endpoint(name, configured =>
                {
                    if (configured.IsHttps)
                    {
                        var own = configured.ConfigSection.GetSection("Certificate");
                        Secure(configured.HttpsOptions, services, own["Path"] is null ? "server" : name, own["Path"] is null ? defaultCertificate : own);
                    }
                });
            }
        });
        return builder;
    }

    /// <summary>
    /// First in the pipeline: a request that came over plain HTTP to a service that also listens on HTTPS is answered
    /// 308 to the same URL on HTTPS and nothing else; HTTPS answers carry HSTS. A service without an HTTPS endpoint (the
    /// quick start, tests that do not concern TLS) is left as it is.
    /// </summary>
    public static WebApplication UseEdgeImagesTls(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<HttpsOnlyMiddleware>();
        return app;
    }

    private static void Secure(HttpsConnectionAdapterOptions https, IServiceProvider services, string name, IConfigurationSection certificate)
    {
        https.SslProtocols = Allowed;
        if (certificate["Path"] is { Length: > 0 } path && certificate["Password"] is null)
        {
            var reloading = services.GetRequiredService<CertificateRegistry>().For(name, path, certificate["KeyPath"]);
            // With a selector Kestrel ignores the certificate it loaded itself: every handshake takes the current one.
            https.ServerCertificateSelector = (_, _) => reloading.Current;
        }

        if (https.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        {
            var anchor = services.GetRequiredService<TrustAnchor>();
            if (!anchor.IsConfigured)
            {
                throw new OptionsValidationException(TlsOptions.SectionName, typeof(TlsOptions),
                    ["An endpoint asks for client certificates (ClientCertificateMode) but Tls:CaPath names no CA to check them against."]);
            }

            // The deployment CA and nothing else: Kestrel's default would trust whatever the system store trusts.
            https.CheckCertificateRevocation = false;
            https.ClientCertificateValidation = (presented, chain, _) => anchor.ValidatesClient(presented, chain);
        }
    }
}
