using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Security.Cryptography.X509Certificates;
using EdgeImages.Testing.Tls;

namespace EdgeImages.LoadTests.Topology;

/// <summary>One process of a topology that <c>deploy.ps1 up</c> started.</summary>
internal sealed record DeployedProcess(string Name, string Kind, string Region, int Port)
{
    /// <summary>Every listener of the topology is HTTPS from its deployment CA (<see cref="DeployedTopology.CreateClient"/> trusts it).</summary>
    public Uri Address => new($"https://127.0.0.1:{Port}");
}

/// <summary>
/// A topology started by <c>deploy.ps1 up</c>, read from its run folder: the processes and regions it wrote to
/// <c>topology.json</c>, the PIDs in <c>pids/</c>, the secrets in <c>secrets/</c>. The measurements pause and resume
/// its processes (SIGSTOP, SIGCONT) by those PIDs, so they leave the topology as they found it.
/// </summary>
internal sealed class DeployedTopology
{
    private readonly string _runDir;

    private DeployedTopology(string runDir, IReadOnlyList<DeployedProcess> processes, IReadOnlyDictionary<string, string> regionClients)
    {
        _runDir = runDir;
        Processes = processes;
        RegionClients = regionClients;
    }

    public IReadOnlyList<DeployedProcess> Processes { get; }

    /// <summary>Region → an address routing takes for one of its clients.</summary>
    public IReadOnlyDictionary<string, string> RegionClients { get; }

    public static DeployedTopology Read(string runDir)
    {
        var file = Path.Combine(runDir, "topology.json");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"No {file}: start the topology first (dotnet pwsh ./deploy.ps1 up).", file);
        }

        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var processes = json.RootElement.GetProperty("processes").EnumerateArray()
            .Select(p => new DeployedProcess(p.GetProperty("name").GetString()!, p.GetProperty("kind").GetString()!, p.GetProperty("region").GetString() ?? "", p.GetProperty("port").GetInt32()))
            .ToList();
        var regions = json.RootElement.GetProperty("regions").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("client").GetString()!);
        return new DeployedTopology(runDir, processes, regions);
    }

    public IEnumerable<DeployedProcess> OfKind(string kind) => Processes.Where(p => p.Kind == kind);

    public string Secret(string name) => File.ReadAllText(Path.Combine(_runDir, "secrets", name)).Trim();

    /// <summary>
    /// An HttpClient as deploy's operator: it trusts the deployment CA (<c>pki/ca.crt</c>) and nothing else, and
    /// presents the operator's client certificate (<c>pki/deploy-operator.crt</c>), which the origin's edges' listener
    /// demands and the other listeners do not ask for. Read again on each call, so a client made after
    /// <c>rotate-certs</c> presents the renewed certificate.
    /// </summary>
    public HttpClient CreateClient(TimeSpan timeout)
    {
        var pki = Path.Combine(_runDir, "pki");
        var caFile = Path.Combine(pki, "ca.crt");
        if (!File.Exists(caFile))
        {
            throw new FileNotFoundException($"No {caFile}: this run folder is from before the topology spoke TLS; bring it up again.", caFile);
        }

        // The CA's certificate alone: CreateFromPemFile without a key path would look for a private key in ca.crt.
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        var operatorCertificate = new PemFiles(Path.Combine(pki, "deploy-operator.crt"), Path.Combine(pki, "deploy-operator.key"));
        var client = PinnedHttpClient.Create(ca, File.Exists(operatorCertificate.CertificatePath) ? operatorCertificate : null);
        client.Timeout = timeout;
        return client;
    }

    public int Pid(DeployedProcess process) =>
        int.Parse(File.ReadAllText(Path.Combine(_runDir, "pids", process.Name + ".pid")).Split(' ')[0], CultureInfo.InvariantCulture);

    public void Pause(DeployedProcess process) => Signal(process, "STOP");

    public void Resume(DeployedProcess process) => Signal(process, "CONT");

    private void Signal(DeployedProcess process, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Pid(process).ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {process.Name} failed.");
        }
    }
}
