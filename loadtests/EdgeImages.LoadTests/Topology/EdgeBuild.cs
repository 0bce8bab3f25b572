using System.Globalization;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests.Topology;

/// <summary>
/// An edge from any build of <c>EdgeImages.Edge.dll</c> (this work tree's, or an older one for a before/after in one
/// run), in a process of its own on a free loopback port, configured by command-line settings.
/// </summary>
internal sealed class EdgeBuild : LoopbackServer
{
    private readonly string _assembly;
    private readonly IReadOnlyDictionary<string, string> _settings;

    private EdgeBuild(string assembly, IReadOnlyDictionary<string, string> settings)
        : base("edge-build")
    {
        _assembly = assembly;
        _settings = settings;
    }

    public Uri Address => new($"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int ProcessId { get; private set; }

    /// <summary>This work tree's Release build of the edge.</summary>
    public static string Current => Path.Combine(RepositoryPaths.Root, "edge", "bin", "Release", "net10.0", "EdgeImages.Edge.dll");

    public static async Task<EdgeBuild> StartAsync(string assembly, IReadOnlyDictionary<string, string> settings)
    {
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"No edge build at {assembly}.");
        }

        var edge = new EdgeBuild(assembly, settings);
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
        var arguments = new List<string> { _assembly, "--urls", Address.ToString().TrimEnd('/'), "--environment", "Production" };
        arguments.AddRange(_settings.Select(setting => $"--{setting.Key}={setting.Value}"));
        var handle = ProcessHandle.Start("dotnet", arguments, Path.GetDirectoryName(_assembly));
        ProcessId = handle.Id;
        return handle;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var response = await client.GetAsync(new Uri(Address, "healthz"), cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
