using System.Globalization;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests.Topology;

/// <summary>
/// ipx (npm <c>ipx</c>, pinned in <c>loadtests/ipx-server/package-lock.json</c>: sharp and libvips behind a Node HTTP
/// server) on a free loopback port, serving a folder of originals. Runs <c>npm ci</c> there first when needed.
/// </summary>
internal sealed class IpxServer : LoopbackServer
{
    private readonly string _originals;

    private IpxServer(string originals)
        : base("ipx") => _originals = originals;

    public Uri Address => new($"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int ProcessId { get; private set; }

    public static string AppFolder => Path.Combine(RepositoryPaths.Root, "loadtests", "ipx-server");

    public static async Task<IpxServer> StartAsync(string originals, TextWriter log)
    {
        if (!Directory.Exists(Path.Combine(AppFolder, "node_modules", "ipx")))
        {
            log.WriteLine("npm ci in loadtests/ipx-server (ipx, pinned)");
            await ProcessHandle.RunAsync("npm", ["ci", "--prefix", AppFolder, "--no-audit", "--no-fund"]);
        }

        var server = new IpxServer(originals);
        try
        {
            await server.LaunchAsync(CancellationToken.None);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    protected override ProcessHandle StartProcess()
    {
        var handle = ProcessHandle.Start("node", [Path.Combine(AppFolder, "server.mjs"), "--dir", _originals, "--port", Port.ToString(CultureInfo.InvariantCulture)], AppFolder);
        ProcessId = handle.Id;
        return handle;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var response = await client.GetAsync(Address, cancellationToken);
        return true; // any answer (ipx says 400 to "/") means it listens
    }
}
