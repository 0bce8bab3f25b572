using System.Diagnostics;
using System.Globalization;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Probes;
using EdgeImages.LoadTests.Topology;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests;

/// <summary>
/// <c>generate</c> writes the catalog and request mix; <c>run SCENARIO</c> starts a region on loopback and runs
/// <c>scenarios/SCENARIO.mjs</c> against it (exit code: the scenario's, non-zero when a threshold broke);
/// <c>consistency</c> measures how long a new version takes to show after PUT and purge.
/// </summary>
internal static class Cli
{
    public const string Usage = """
        usage: dotnet run -c Release --project loadtests/EdgeImages.LoadTests -- COMMAND [options]
          generate [--data DIR] [--seed N] [--tenants N] [--originals N] [--requests N] [--misses N] [--zipf S] [--max-edge PX]
          run SCENARIO [--data DIR] [--out DIR] [--redis] [--origin] [--edges N] [--set Key=Value]... [-- scenario options]
              SCENARIO: smoke | steady | ramp | spike | soak | tiers   (scenario options: --duration S, --rate R, --connections C)
          consistency [--rounds N] [--redis] [--origin] [--edges N]
          flood [--misses N] [--connections C] [--budget-mib M] [--origin] [--set Key=Value]...
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter log, CancellationToken cancellationToken)
    {
        var split = Array.IndexOf(args, "--");
        var own = split < 0 ? args : args[..split];
        var passed = split < 0 ? [] : args[(split + 1)..];
        if (own.Length == 0)
        {
            log.WriteLine(Usage);
            return 2;
        }

        var options = Options.Parse(own[0] == "run" && own.Length > 1 ? own[2..] : own[1..]);
        switch (own[0])
        {
            case "generate":
                Generator.Generate(GeneratorSettingsFrom(options, small: false), RepositoryPaths.TestImages, DataFolder(options, "data"), log);
                return 0;
            case "run" when own.Length > 1:
                return await RunScenarioAsync(own[1], options, passed, log, cancellationToken);
            case "consistency":
                return await RunConsistencyAsync(options, log);
            case "flood":
                return await RunFloodAsync(options, log);
            default:
                log.WriteLine(Usage);
                return 2;
        }
    }

    private static async Task<int> RunScenarioAsync(string scenario, Options options, string[] passed, TextWriter log, CancellationToken cancellationToken)
    {
        var script = Path.Combine(LoadTestsFolder, "scenarios", scenario + ".mjs");
        if (!File.Exists(script))
        {
            log.WriteLine($"no scenario {scenario} ({script})");
            return 2;
        }

        // The smoke scenario runs inside the test suite: a small catalog of its own, quick to make.
        var small = scenario == "smoke";
        var data = LoadOrGenerate(options, small, log);
        var dataFolder = DataFolder(options, small ? "smoke-data" : "data");
        var tiers = scenario == "tiers";
        var settings = RegionFrom(options) with
        {
            // L2 hits need a second edge of the region and its Redis.
            Edges = tiers ? Math.Max(2, options.Int("edges", 1)) : options.Int("edges", 1),
            Redis = tiers || options.Flag("redis"),
        };

        await using var region = await Region.StartAsync(settings, data, dataFolder, log);
        var edge = region.Edges[0].Address;
        var (hotBody, hotType, hotTag) = await WarmHotAsync(edge, data.Hot);
        await using var bare = await BareServer.StartAsync(hotBody, hotType, hotTag, region.Stats);

        var output = options.Get("out") ?? Path.Combine(LoadTestsFolder, "out", scenario);
        Directory.CreateDirectory(output);
        var exit = await NodeAsync(script,
        [
            "--edge", edge.ToString(), "--bare", new Uri(bare.Address, "bare").ToString(), "--stats", new Uri(bare.Address, "stats").ToString(),
            "--data", Path.Combine(dataFolder, LoadTestData.FileName), "--out", output, .. passed,
        ], log, cancellationToken);

        if (tiers)
        {
            await CacheTierProbe.RunAsync(region, data, Path.Combine(output, "tiers-latency.json"), log);
        }

        var peak = region.Edges.Select(e => e.Memory().PeakRss).Max();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"edge peak resident memory (VmHWM): {peak / 1048576.0:F0} MiB"));
        return exit;
    }

    private static async Task<int> RunConsistencyAsync(Options options, TextWriter log)
    {
        var data = LoadOrGenerate(options, small: true, log);
        var dataFolder = DataFolder(options, "smoke-data");
        await using var region = await Region.StartAsync(RegionFrom(options), data, dataFolder, log);
        var rounds = options.Int("rounds", 20);
        await ConsistencyProbe.RunAsync(region, data, dataFolder, rounds, Path.Combine(LoadTestsFolder, "out", "consistency.json"), log);
        return 0;
    }

    /// <summary>
    /// The flood (<see cref="FloodProbe"/>) on one edge with an explicit memory budget (default 256 MiB), so that the
    /// figures do not depend on the machine's memory; <c>--set</c> adds any other edge setting (slots, queue).
    /// </summary>
    private static async Task<int> RunFloodAsync(Options options, TextWriter log)
    {
        var data = LoadOrGenerate(options, small: true, log);
        var dataFolder = DataFolder(options, "smoke-data");
        var settings = new FloodSettings(
            Misses: options.Int("misses", 1000),
            Connections: options.Int("connections", 64),
            QuietMisses: options.Int("quiet-misses", 50),
            HitConnections: options.Int("hit-connections", 8),
            BudgetBytes: options.Int("budget-mib", 256) * 1048576L);
        var region = RegionFrom(options);
        var edge = new Dictionary<string, string>(region.EdgeSettings)
        {
            ["Transforms:MemoryBudgetBytes"] = settings.BudgetBytes.ToString(CultureInfo.InvariantCulture),
        };
        await using var running = await Region.StartAsync(region with { Edges = 1, EdgeSettings = edge }, data, dataFolder, log);
        return await FloodProbe.RunAsync(running, data, dataFolder, settings, Path.Combine(LoadTestsFolder, "out", "flood"), log);
    }

    private static RegionSettings RegionFrom(Options options) => new()
    {
        Edges = options.Int("edges", 1),
        Redis = options.Flag("redis"),
        Origin = options.Flag("origin"),
        EdgeSettings = options.All("set").Select(s => s.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""),
    };

    private static LoadTestData LoadOrGenerate(Options options, bool small, TextWriter log)
    {
        var folder = DataFolder(options, small ? "smoke-data" : "data");
        return File.Exists(Path.Combine(folder, LoadTestData.FileName)) && !options.Flag("generate")
            ? LoadTestData.Read(folder)
            : Generator.Generate(GeneratorSettingsFrom(options, small), RepositoryPaths.TestImages, folder, log);
    }

    private static GeneratorSettings GeneratorSettingsFrom(Options options, bool small)
    {
        var defaults = small
            ? new GeneratorSettings { Tenants = 2, Originals = 8, Requests = 3_000, Misses = 300, MaxEdge = 1000 }
            : new GeneratorSettings();
        return new GeneratorSettings
        {
            Seed = options.Int("seed", defaults.Seed),
            Tenants = options.Int("tenants", defaults.Tenants),
            Originals = options.Int("originals", defaults.Originals),
            Requests = options.Int("requests", defaults.Requests),
            Misses = options.Int("misses", defaults.Misses),
            ZipfExponent = options.Double("zipf", defaults.ZipfExponent),
            MaxEdge = options.Int("max-edge", defaults.MaxEdge),
        };
    }

    /// <summary>GETs the hot variant once (so the scenario starts with it in L1) and returns what a hit answers.</summary>
    private static async Task<(byte[] Body, string ContentType, string ETag)> WarmHotAsync(Uri edge, MixRequest hot)
    {
        using var client = new HttpClient { BaseAddress = edge };
        using var request = new HttpRequestMessage(HttpMethod.Get, hot.Path);
        request.Headers.TryAddWithoutValidation("Accept", hot.Accept);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync(),
            response.Content.Headers.ContentType?.ToString() ?? "image/jpeg",
            response.Headers.ETag?.ToString() ?? "\"x\"");
    }

    private static async Task<int> NodeAsync(string script, string[] arguments, TextWriter log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Path.Combine(LoadTestsFolder, "node_modules", "autocannon")))
        {
            log.WriteLine("npm ci in loadtests/ (node_modules is missing)");
            using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund"]) { WorkingDirectory = LoadTestsFolder })!;
            await npm.WaitForExitAsync(cancellationToken);
            if (npm.ExitCode != 0)
            {
                return npm.ExitCode;
            }
        }

        var start = new ProcessStartInfo("node", [script, .. arguments])
        {
            WorkingDirectory = LoadTestsFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        node.OutputDataReceived += (_, line) => { if (line.Data is not null) { log.WriteLine(line.Data); } };
        node.ErrorDataReceived += (_, line) => { if (line.Data is not null) { log.WriteLine(line.Data); } };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        try
        {
            await node.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw;
        }

        return node.ExitCode;
    }

    public static string LoadTestsFolder => Path.Combine(RepositoryPaths.Root, "loadtests");

    private static string DataFolder(Options options, string name) =>
        options.Get("data") is { } data ? Path.GetFullPath(data) : Path.Combine(LoadTestsFolder, "out", name);
}

/// <summary><c>--name value</c>, <c>--flag</c> and repeatable <c>--set k=v</c>; nothing clever.</summary>
internal sealed class Options
{
    private readonly List<(string Name, string? Value)> _values = [];

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'\n{Cli.Usage}");
            }

            var name = args[i][2..];
            var value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            options._values.Add((name, value));
        }

        return options;
    }

    public string? Get(string name) => _values.LastOrDefault(v => v.Name == name).Value;

    public IEnumerable<string> All(string name) => _values.Where(v => v.Name == name && v.Value is not null).Select(v => v.Value!);

    public bool Flag(string name) => _values.Any(v => v.Name == name);

    public int Int(string name, int fallback) => Get(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => Get(name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
