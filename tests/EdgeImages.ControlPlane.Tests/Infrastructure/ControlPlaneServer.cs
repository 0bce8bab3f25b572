using System.Net.Http.Headers;
using System.Net.Http.Json;
using EdgeImages.ControlPlane.Hosting;
using EdgeImages.ControlPlane.Leadership;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace EdgeImages.ControlPlane.Tests.Infrastructure;

/// <summary>One control-plane replica on real Kestrel at 127.0.0.1 on a free port, built by the production code.</summary>
internal sealed class ControlPlaneServer : IAsyncDisposable
{
    public const string BootstrapKey = "bootstrap-0123456789abcdef0123456789abcdef";
    public const string MasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    private readonly WebApplication _app;
    private bool _stopped;

    private ControlPlaneServer(WebApplication app, Uri address, string replicaId)
    {
        _app = app;
        ReplicaId = replicaId;
        Address = address;
        Client = Authorized(BootstrapKey);
    }

    public Uri Address { get; }

    public string ReplicaId { get; }

    /// <summary>A client holding the bootstrap (admin) key.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public LeaderElection Election => Services.GetRequiredService<LeaderElection>();

    /// <param name="logs">Gets the replica's warnings and errors, as the rest of its logging.</param>
    public static async Task<ControlPlaneServer> StartAsync(string etcdEndpoints, string replicaId, IDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Etcd:Endpoints"] = etcdEndpoints,
            // Generous for a loaded CI machine: a write without quorum still answers 503 within it, never hangs.
            ["Etcd:RequestTimeout"] = "00:00:05",
            ["Secrets:MasterKey"] = MasterKey,
            ["Admin:BootstrapKey"] = BootstrapKey,
            ["Leadership:ReplicaId"] = replicaId,
            ["Leadership:LeaseTtl"] = "00:00:03",
            ["Leadership:ProbeInterval"] = "00:00:00.500",
            ["Leadership:ProbeTimeout"] = "00:00:00.400",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = ControlPlaneApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Testing"], configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        var app = ControlPlaneApplication.Build(builder);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ControlPlaneServer(app, new Uri(address), replicaId);
    }

    public HttpClient Authorized(string? key)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Creates a scoped API key through the API and answers the key.</summary>
    public async Task<string> CreateApiKeyAsync(string name, params string[] scopes)
    {
        using var response = await Client.PostAsJsonAsync("/v1/admin-keys", new { name, scopes });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return created.GetProperty("key").GetString()!;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }
}
