using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeImages.ControlPlane.Tests.Leadership;

/// <summary>
/// The leader's probes over HTTPS with the deployment CA pinned: a target whose certificate comes from the CA is
/// healthy, also one that demands a client certificate (the control plane presents its own), and one whose
/// certificate comes from another CA is not, though it answers 200 to anyone who does not check.
/// </summary>
public sealed class PinnedProbeTests : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new();
    private readonly List<WebApplication> _targets = [];
    private EtcdCluster _etcd = null!;
    private ControlPlaneServer _controlPlane = null!;

    [Fact]
    public async Task Probes_PinnedCa_TrustOnlyTheDeploymentsCertificates()
    {
        var verdicts = await Eventually.ValueAsync(
            async () =>
            {
                var health = await _controlPlane.Client.GetFromJsonAsync<JsonElement>("/v1/health");
                return health.GetProperty("origins").EnumerateArray()
                    .ToDictionary(o => new Uri(o.GetProperty("target").GetString()!).Port, o => o.GetProperty("healthy").GetBoolean());
            },
            verdicts => verdicts.Count == 3,
            TimeSpan.FromSeconds(30), "three origin probes reported");

        Assert.True(verdicts[Port(_targets[0])], "a target with the CA's certificate");
        Assert.True(verdicts[Port(_targets[1])], "a target demanding the control plane's client certificate");
        Assert.False(verdicts[Port(_targets[2])], "a target with another CA's certificate");
    }

    public async Task InitializeAsync()
    {
        using var trusted = _pki.Authority.IssueServer("origin-a");
        using var mutual = _pki.Authority.IssueServer("origin-b");
        using var foreign = _pki.Stranger.IssueServer("origin-c");
        _targets.Add(await TargetAsync(trusted, requireClientCertificate: false));
        _targets.Add(await TargetAsync(mutual, requireClientCertificate: true));
        _targets.Add(await TargetAsync(foreign, requireClientCertificate: false));

        _etcd = await EtcdCluster.StartAsync();
        var client = _pki.IssueClient("control-plane");
        var settings = Deployment.RoutingTable;
        settings["Tls:CaPath"] = _pki.CaCertificatePath;
        settings["Tls:ClientCertificate:Path"] = client.CertificatePath;
        settings["Tls:ClientCertificate:KeyPath"] = client.KeyPath;
        foreach (var (target, name) in _targets.Zip(["trusted", "mutual", "foreign"]))
        {
            settings[$"Leadership:Origins:{name}"] = $"https://127.0.0.1:{Port(target)}/readyz";
        }

        _controlPlane = await ControlPlaneServer.StartAsync(_etcd.Endpoints, "cp-tls", settings);
    }

    public async Task DisposeAsync()
    {
        await _controlPlane.DisposeAsync();
        await _etcd.DisposeAsync();
        foreach (var target in _targets)
        {
            await target.StopAsync();
            await target.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    private static int Port(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

    /// <summary>A bare HTTPS server answering 200 on /readyz to whoever completes the handshake.</summary>
    private async Task<WebApplication> TargetAsync(X509Certificate2 certificate, bool requireClientCertificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var root = X509CertificateLoader.LoadCertificate(_pki.Authority.Certificate.RawData);
        var serverCertificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = serverCertificate;
            if (requireClientCertificate)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (presented, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(presented);
                };
            }
        })));
        var app = builder.Build();
        app.MapGet("/readyz", () => "ok");
        await app.StartAsync();
        return app;
    }
}
