using System.Globalization;

namespace EdgeImages.Testing;

/// <summary>
/// A real origin node: the built <c>EdgeImages.Origin.dll</c> run by <c>dotnet</c> in a process of its own on
/// a free port, so that tests can kill it (SIGKILL) or pause it like any server. It is built with the test
/// project (a project reference without the assembly), in the same configuration.
/// </summary>
public sealed class OriginNode : LoopbackServer
{
    private readonly IReadOnlyDictionary<string, string> _settings;

    private OriginNode(IReadOnlyDictionary<string, string> settings)
        : base("origin") => _settings = settings;

    public Uri Address => new($"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public static async Task<OriginNode> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken = default)
    {
        var node = new OriginNode(settings);
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

        var arguments = new List<string> { assembly, "--urls", Address.ToString().TrimEnd('/'), "--environment", "Testing", "--hostBuilder:reloadConfigOnChange=false" };
        arguments.AddRange(_settings.Select(setting => $"--{setting.Key}={setting.Value}"));
        return ProcessHandle.Start("dotnet", arguments, Path.GetDirectoryName(assembly));
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var response = await client.GetAsync(new Uri(Address, "healthz"), cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
