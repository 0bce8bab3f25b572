using System.Globalization;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Testing;

/// <summary>
/// A real origin node: the built <c>EdgeImages.Origin.dll</c> run by <c>dotnet</c> in a process of its own on
/// a free port, so that tests can kill it (SIGKILL) or pause it like any server. It is built with the test
/// project (a project reference without the assembly), in the same configuration.
/// </summary>
public sealed class OriginNode : LoopbackServer
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly TestPki? _pki;
    private readonly PemFiles? _readiness;

    private OriginNode(IReadOnlyDictionary<string, string> settings, TestPki? pki)
        : base("origin")
    {
        _settings = settings;
        _pki = pki;
        if (pki is not null)
        {
            // As deployed: the edges' listener on Port demands a client certificate from the CA; the tenants' does not.
            TenantPort = FreePort.Next();
            var server = pki.IssueServer($"origin-{Port.ToString(CultureInfo.InvariantCulture)}");
            _readiness = pki.IssueClient($"origin-probe-{Port.ToString(CultureInfo.InvariantCulture)}");
            _settings = new Dictionary<string, string>(settings)
            {
                ["Kestrel:Certificates:Default:Path"] = server.CertificatePath,
                ["Kestrel:Certificates:Default:KeyPath"] = server.KeyPath,
                ["Kestrel:Endpoints:Edges:Url"] = $"https://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}",
                ["Kestrel:Endpoints:Edges:ClientCertificateMode"] = "RequireCertificate",
                ["Kestrel:Endpoints:Tenants:Url"] = $"https://{Host}:{TenantPort.ToString(CultureInfo.InvariantCulture)}",
                ["Tls:CaPath"] = pki.CaCertificatePath,
            };
        }
    }

    /// <summary>Where edges read: plain HTTP, or with TLS the edges' listener (client certificate required).</summary>
    public Uri Address => new($"{(_pki is null ? "http" : "https")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Where tenants upload and operators manage keys: <see cref="Address"/>, or with TLS a listener of its own.</summary>
    public Uri TenantAddress => _pki is null ? Address : new($"https://{Host}:{TenantPort.ToString(CultureInfo.InvariantCulture)}/");

    public int TenantPort { get; }

    public static Task<OriginNode> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken = default) =>
        StartAsync(settings, pki: null, cancellationToken);

    /// <summary>With <paramref name="pki"/>, the node serves HTTPS only, with certificates from its CA (see <see cref="Address"/>).</summary>
    public static async Task<OriginNode> StartAsync(IReadOnlyDictionary<string, string> settings, TestPki? pki, CancellationToken cancellationToken = default)
    {
        var node = new OriginNode(settings, pki);
        try
        {
            await node.LaunchAsync(cancellationToken);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    protected override ProcessHandle StartProcess()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        var assembly = Path.Combine(RepositoryPaths.Root, "origin", "bin", configuration, "net10.0", "EdgeImages.Origin.dll");
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"Build the origin first ({configuration}); {assembly} is missing.");
        }

        return ProcessHandle.StartService(assembly, ["--urls", Address.ToString().TrimEnd('/'), "--environment", "Testing", "--hostBuilder:reloadConfigOnChange=false"], _settings);
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = _pki is null ? new HttpClient() : _pki.CreateClient(_readiness);
        client.Timeout = TimeSpan.FromSeconds(2);
        using var response = await client.GetAsync(new Uri(Address, "healthz"), cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
