using System.Globalization;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Edge.Hosting;
using EdgeImages.Sdk.Signing;
using EdgeImages.Testing;
using Microsoft.Extensions.Logging;

namespace EdgeImages.ControlPlane.Tests.Infrastructure;

/// <summary>
/// A real edge on real Kestrel, built by EdgeApplication, linked to the control plane through etcd, with an originals
/// folder holding shared test images under tenant <c>acme</c> and a state file of its own. A configured key
/// (<c>static</c>) is kept so the edge starts without the control plane, as production requires.
/// </summary>
internal sealed class EdgeNode : IAsyncDisposable
{
    public const string Tenant = "acme";
    public const string StaticKid = "static";
    public static readonly byte[] StaticSecret = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    private readonly WebApplication _app;
    private readonly bool _ownsFolder;

    private EdgeNode(WebApplication app, string folder, string stateFile, Uri address, string edgeId, bool ownsFolder)
    {
        _app = app;
        Folder = folder;
        StateFile = stateFile;
        Address = address;
        EdgeId = edgeId;
        _ownsFolder = ownsFolder;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public string EdgeId { get; }

    public string Folder { get; }

    public string StateFile { get; }

    public HttpClient Client { get; }

    public ControlPlaneState State => _app.Services.GetRequiredService<ControlPlaneState>();

    public PurgeApplier Purges => _app.Services.GetRequiredService<PurgeApplier>();

    public EdgeRegistrar Registrar => _app.Services.GetRequiredService<EdgeRegistrar>();

    public IServiceProvider Services => _app.Services;

    /// <param name="folder">Reuse an edge's folder (originals and state file) to restart "the same machine".</param>
    /// <param name="logs">Gets the edge's warnings and errors (the rest of its logging stays at errors only).</param>
    public static async Task<EdgeNode> StartAsync(
        string etcd, string region, string pop, string edgeId, string? folder = null, IDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    {
        var ownsFolder = folder is null;
        folder ??= Directory.CreateTempSubdirectory("edgeimages-cp-edge-").FullName;
        var originals = Path.Combine(folder, "originals");
        Directory.CreateDirectory(Path.Combine(originals, Tenant, "photos"));
        File.Copy(Path.Combine(RepositoryPaths.TestImages, "exif-orientation-1.jpg"), Path.Combine(originals, Tenant, "photos", "cat.jpg"), overwrite: true);
        File.Copy(Path.Combine(RepositoryPaths.TestImages, "exif-orientation-3.jpg"), Path.Combine(originals, Tenant, "photos", "dog.jpg"), overwrite: true);
        File.Copy(Path.Combine(RepositoryPaths.TestImages, "exif-orientation-6.jpg"), Path.Combine(originals, Tenant, "top.jpg"), overwrite: true);
        var port = FreePort.Next();
        var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var stateFile = Path.Combine(folder, "control-plane-state.json");
        var configuration = new Dictionary<string, string?>
        {
            ["Signing:Keys:" + StaticKid] = Convert.ToHexString(StaticSecret),
            ["Signing:KeyTenants:" + StaticKid] = Tenant,
            ["Signing:ActiveKey"] = StaticKid,
            ["Originals:Path"] = originals,
            ["ControlPlane:Etcd"] = etcd,
            ["ControlPlane:Region"] = region,
            ["ControlPlane:Pop"] = pop,
            ["ControlPlane:EdgeId"] = edgeId,
            ["ControlPlane:PublicAddress"] = address.ToString().TrimEnd('/'),
            ["ControlPlane:MasterKey"] = ControlPlaneServer.MasterKey,
            ["ControlPlane:StateFile"] = stateFile,
            ["ControlPlane:LeaseTtl"] = "00:00:03",
            ["ControlPlane:RequestTimeout"] = "00:00:03",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = EdgeApplication.CreateBuilder(["--urls", address.ToString(), "--environment", "Testing"], configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter((provider, _, level) => level >= LogLevel.Error || (level >= LogLevel.Warning && provider == logs.GetType().FullName));
        }

        var app = EdgeApplication.Build(builder);
        await app.StartAsync();
        return new EdgeNode(app, folder, stateFile, address, edgeId, ownsFolder);
    }

    /// <summary>GET of a URL signed with <paramref name="kid"/>/<paramref name="secret"/>.</summary>
    public async Task<HttpResponseMessage> GetAsync(string kid, byte[] secret, string options, string path, string tenant = Tenant)
    {
        var key = new SigningKey(kid, secret, KeyTenants.Of(tenant));
        var message = $"/{options}/{tenant}/{path}";
        return await Client.GetAsync(new Uri($"/{UrlSigner.Sign(key, message)}{message}", UriKind.Relative));
    }

    public Task<HttpResponseMessage> GetStaticAsync(string options, string path) => GetAsync(StaticKid, StaticSecret, options, path);

    /// <summary>Stops as a crash would for routing: the lease is not revoked and must run out.</summary>
    public async Task CrashAsync()
    {
        Registrar.LeaveWithoutRevoking = true;
        await StopAsync();
    }

    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
        if (_ownsFolder)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
