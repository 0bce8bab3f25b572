using System.Globalization;
using EdgeImages.Testing;

using EdgeImages.Testing.Tls;

namespace EdgeImages.LoadTests.Topology;

/// <summary>
/// An edge from any build of <c>EdgeImages.Edge.dll</c> (this work tree's, or an older one for a before/after in one
/// run), in a process of its own on a free loopback port, configured by command-line settings.
/// </summary>
internal sealed class EdgeBuild : LoopbackServer
{
    private readonly string _assembly;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly Func<HttpClient>? _tlsClient;

    private EdgeBuild(string assembly, IReadOnlyDictionary<string, string> settings, Func<HttpClient>? tlsClient)
        : base("edge-build")
    {
        _assembly = assembly;
        _settings = settings;
        _tlsClient = tlsClient;
    }

    /// <summary>HTTPS only when started with a certificate (Kestrel's default certificate, no plain-HTTP endpoint).</summary>
    public Uri Address => new($"{(_tlsClient is null ? "http" : "https")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int ProcessId { get; private set; }

    /// <summary>This work tree's Release build of the edge.</summary>
    public static string Current => Path.Combine(RepositoryPaths.Root, "edge", "bin", "Release", "net10.0", "EdgeImages.Edge.dll");

    /// <param name="assembly">The build's <c>EdgeImages.Edge.dll</c>.</param>
    /// <param name="settings">Its settings.</param>
    /// <param name="tls">Serve HTTPS only, with this certificate; <c>Client</c> makes a client that trusts it.</param>
    public static async Task<EdgeBuild> StartAsync(string assembly, IReadOnlyDictionary<string, string> settings, (PemFiles Certificate, Func<HttpClient> Client)? tls = null)
    {
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"No edge build at {assembly}.");
        }

        if (tls is { } https)
        {
            settings = new Dictionary<string, string>(settings)
            {
                ["Kestrel:Certificates:Default:Path"] = https.Certificate.CertificatePath,
                ["Kestrel:Certificates:Default:KeyPath"] = https.Certificate.KeyPath,
            };
        }

        var edge = new EdgeBuild(assembly, settings, tls?.Client);
        try
        {
            await edge.LaunchAsync(CancellationToken.None);
            return edge;
        }
        catch
        {
            await edge.DisposeAsync();
            throw;
        }
    }

    protected override ProcessHandle StartProcess()
    {
        var handle = ProcessHandle.StartService(_assembly, ["--urls", Address.ToString().TrimEnd('/'), "--environment", "Production"], _settings);
        ProcessId = handle.Id;
        return handle;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = _tlsClient?.Invoke() ?? new HttpClient();
        client.Timeout = TimeSpan.FromSeconds(2);
        using var response = await client.GetAsync(new Uri(Address, "healthz"), cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
