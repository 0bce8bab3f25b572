using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Deploy.Tests;

/// <summary>
/// A smaller topology (two regions, one edge each, one origin node, one control plane, etcd ×3) started by the same
/// code as <c>deploy.ps1 up</c>, once for the tests of a class. Brought down by <c>deploy.ps1 down</c>, which must
/// leave no process behind.
/// </summary>
public sealed class SmallTopology : IAsyncLifetime
{
    /// <summary>What <c>deploy.ps1</c> must be told on every call to mean this topology and no other.</summary>
    private static readonly string[] Shape = ["-Regions", "us-east,eu-west", "-EdgesPerRegion", "1", "-OriginNodes", "1", "-ControlPlanes", "1"];

    public string RunDir { get; } = Directory.CreateTempSubdirectory("edgeimages-deploy-").FullName;

    public int BasePort { get; } = FreeBlock();

    public string ControlPlane => $"https://127.0.0.1:{BasePort + 40}";

    /// <summary>The deployment CA <c>up</c> made: every listener's certificate chains to it.</summary>
    public string CaPath => Path.Combine(RunDir, "pki", "ca.crt");

    /// <summary>An HttpClient as a client of this deployment: trusting its CA alone, presenting <paramref name="clientCertificate"/> if given.</summary>
    public HttpClient CreateClient(PemFiles? clientCertificate = null, Action<X509Certificate2>? onServerCertificate = null)
    {
        // The CA alone: CreateFromPemFile with no key path would look for a private key in ca.crt.
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaPath));
        return PinnedHttpClient.Create(ca, clientCertificate, onServerCertificate);
    }

    /// <summary>The signing key's id: a name, not a secret, so not in <c>run/secrets/</c>.</summary>
    public const string SigningKeyId = "deploy";

    public string SecretsDir => Path.Combine(RunDir, "secrets");

    public async Task InitializeAsync()
    {
        try
        {
            await DeployAsync("up");
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop whatever up had started.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (!Directory.Exists(RunDir))
        {
            return; // already brought down, after a failed start
        }

        var pids = RecordedPids();
        await DeployAsync("down");
        try
        {
            Assert.All(pids, pid => Assert.False(IsAlive(pid), $"process {pid} outlived down"));
        }
        finally
        {
            Directory.Delete(RunDir, recursive: true);
        }
    }

    /// <summary>One secret, as <c>deploy.ps1</c> keeps it: <c>run/secrets/NAME</c>.</summary>
    public string Secret(string name) => File.ReadAllText(Path.Combine(SecretsDir, name)).Trim();

    /// <summary>The PIDs <c>deploy.ps1</c> recorded for the processes it started (<c>run/pids/NAME.pid</c>: PID, start ticks).</summary>
    public IReadOnlyList<int> RecordedPids() =>
        Directory.Exists(Path.Combine(RunDir, "pids"))
            ? [.. Directory.GetFiles(Path.Combine(RunDir, "pids")).Select(f => int.Parse(File.ReadAllText(f).Split(' ')[0], CultureInfo.InvariantCulture))]
            : [];

    /// <summary>Runs <c>deploy.ps1 COMMAND</c> on this topology to its end; a non-zero exit fails the test.</summary>
    public async Task DeployAsync(string command, params string[] arguments)
    {
        await using var deploy = StartDeploy(command, arguments);
        await WaitAsync(deploy, command);
    }

    /// <summary>Starts <c>deploy.ps1 COMMAND</c> on this topology and returns at once, for a test that acts meanwhile.</summary>
    public ProcessHandle StartDeploy(string command, params string[] arguments)
    {
        string[] all = ["pwsh", "-NoProfile", "-File", Path.Combine(RepositoryPaths.Root, "deploy.ps1"), command, .. arguments, .. Shape,
            "-RunDir", RunDir, "-BasePort", BasePort.ToString(CultureInfo.InvariantCulture)];
        if (command != "up")
        {
            all = [.. all, "-NoBuild"];
        }

        return ProcessHandle.Start("dotnet", all, RepositoryPaths.Root);
    }

    /// <summary>Waits for a <c>deploy.ps1</c> started by <see cref="StartDeploy"/>; a non-zero exit fails the test.</summary>
    public static async Task WaitAsync(ProcessHandle deploy, string command)
    {
        ArgumentNullException.ThrowIfNull(deploy);
        // A hang guard: up publishes four projects and starts ten processes, on a machine shared with builds.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await deploy.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"deploy.ps1 {command} still ran after 15 min (hang guard). Its output so far:\n{deploy.Output}");
        }

        Assert.True(deploy.ExitCode == 0, $"deploy.ps1 {command} exited with {deploy.ExitCode}:\n{deploy.Output}");
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            return File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // it ended between the two reads
        }
    }

    /// <summary>A block of 110 free loopback ports, for the topology's fixed layout (origins' tenants' listeners at +100).</summary>
    private static int FreeBlock()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = 20000 + (200 * Random.Shared.Next(0, 150));
            var listeners = new List<System.Net.Sockets.TcpListener>();
            try
            {
                for (var port = start; port < start + 110; port++)
                {
                    var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listeners.Add(listener);
                }

                return start;
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
            finally
            {
                listeners.ForEach(listener => listener.Stop());
            }
        }

        throw new InvalidOperationException("No block of 110 free loopback ports.");
    }
}
