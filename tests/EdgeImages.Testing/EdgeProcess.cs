using System.Globalization;

namespace EdgeImages.Testing;

/// <summary>
/// The real edge, the built <c>EdgeImages.Edge.dll</c>, in a process of its own on a free loopback port: its
/// memory and CPU are its own (server GC, as deployed), and the runner reads its resident set from /proc.
/// </summary>
public sealed class EdgeProcess : LoopbackServer
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private ProcessHandle? _handle;

    private EdgeProcess(IReadOnlyDictionary<string, string> settings)
        : base("edge") => _settings = settings;

    public Uri Address => new($"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int? ProcessId => _handle is { HasExited: false } handle ? handle.Id : null;

    public static async Task<EdgeProcess> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken = default)
    {
        var edge = new EdgeProcess(settings);
        try
        {
            await edge.LaunchAsync(cancellationToken);
            return edge;
        }
        catch
        {
            await edge.DisposeAsync();
            throw;
        }
    }

    /// <summary>Resident set now and its high-water mark (VmRSS, VmHWM), in bytes; zeros when unknown.</summary>
    public (long Rss, long PeakRss) Memory()
    {
        if (ProcessId is not { } pid)
        {
            return (0, 0);
        }

        try
        {
            long rss = 0, peak = 0;
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = KiloBytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = KiloBytes(line);
                }
            }

            return (rss, peak);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    private static long KiloBytes(string line) =>
        1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    protected override ProcessHandle StartProcess()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        var assembly = Path.Combine(RepositoryPaths.Root, "edge", "bin", configuration, "net10.0", "EdgeImages.Edge.dll");
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"Build the edge first ({configuration}); {assembly} is missing.");
        }

        _handle = ProcessHandle.StartService(assembly, ["--urls", Address.ToString().TrimEnd('/'), "--environment", "Production"], _settings);
        return _handle;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var response = await client.GetAsync(new Uri(Address, "healthz"), cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
