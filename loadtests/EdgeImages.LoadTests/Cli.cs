using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Hits;
using EdgeImages.LoadTests.Probes;
using EdgeImages.LoadTests.Topology;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests;

/// <summary>
/// <c>generate</c> writes the catalog and request mix; <c>run SCENARIO</c> starts a region on loopback and runs
/// <c>scenarios/SCENARIO.mjs</c> against it (exit code: the scenario's, non-zero when a threshold broke);
/// <c>consistency</c> measures how long a new version takes to show after PUT and purge; <c>flood</c> sends one edge
/// far more misses than it may hold; <c>control-plane</c> measures the control plane's propagation and failover
/// times on a topology that <c>deploy.ps1 up</c> started; <c>misses</c> compares misses over HTTP with ipx (sharp); <c>stores</c> times Redis and etcd calls with and without TLS.
/// Parsed by System.CommandLine, which also answers <c>--help</c> for each command.
/// </summary>
internal static class Cli
{
    public static Task<int> RunAsync(string[] args, TextWriter log, CancellationToken cancellationToken) =>
        Build(log).Parse(args).InvokeAsync(new InvocationConfiguration { Output = log, Error = log }, cancellationToken);

    private static RootCommand Build(TextWriter log)
    {
        var data = new Option<string?>("--data") { Description = "The catalog's folder (default: loadtests/out/data, or out/smoke-data for smoke)." };
        var generator = new GeneratorOptions();

        var generate = new Command("generate", "Write the catalog of originals and the request mix.") { data };
        generator.AddTo(generate);
        generate.SetAction(parse =>
        {
            Generator.Generate(generator.Settings(parse, small: false), RepositoryPaths.TestImages, DataFolder(parse.GetValue(data), "data"), log);
            return 0;
        });

        var region = new RegionOptions();
        var scenario = new Argument<string>("scenario") { Description = "smoke | steady | ramp | spike | soak | tiers" };
        var output = new Option<string?>("--out") { Description = "Where summary.json and chart.html go (default: loadtests/out/SCENARIO)." };
        var regenerate = new Option<bool>("--generate") { Description = "Make the catalog again, with the generator's options." };
        var passed = new Argument<string[]>("scenario-options")
        {
            Description = "After --: the scenario's own options (--duration S, --rate R, --connections C).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var run = new Command("run", "Start a region on loopback and run a scenario against it.") { scenario, data, output, regenerate, passed };
        region.AddTo(run);
        generator.AddTo(run);
        run.SetAction((parse, cancellationToken) =>
        {
            var source = new DataSource(parse.GetValue(data), parse.GetValue(regenerate), generator, parse);
            return RunScenarioAsync(parse.GetValue(scenario)!, source, region.Settings(parse), parse.GetValue(output), parse.GetValue(passed) ?? [], log, cancellationToken);
        });

        var rounds = new Option<int>("--rounds") { Description = "Versions written and awaited.", DefaultValueFactory = _ => 20 };
        var consistency = new Command("consistency", "How long a new version takes to show on every edge after PUT and purge.") { rounds, data };
        region.AddTo(consistency);
        consistency.SetAction(parse => RunConsistencyAsync(new DataSource(parse.GetValue(data), false, generator, parse), region.Settings(parse), parse.GetValue(rounds), log));

        var runDir = new Option<string>("--run-dir")
        {
            Description = "The run folder of a topology started by deploy.ps1 up.",
            DefaultValueFactory = _ => Path.Combine(RepositoryPaths.Root, "run"),
        };
        var purges = new Option<int>("--purges") { Description = "Purges timed one after another.", DefaultValueFactory = _ => 1000 };
        var controlPlane = new Command("control-plane", "Propagation and failover times of the control plane, on a running deploy.ps1 topology.") { runDir, purges };
        controlPlane.SetAction(async parse =>
        {
            if (!File.Exists(Path.Combine(parse.GetValue(runDir)!, "topology.json")))
            {
                log.WriteLine($"No topology in {parse.GetValue(runDir)}: start one first (dotnet pwsh ./deploy.ps1 up).");
                return 2;
            }

            await ControlPlaneProbe.RunAsync(DeployedTopology.Read(parse.GetValue(runDir)!), parse.GetValue(purges), Path.Combine(LoadTestsFolder, "out", "control-plane.json"), log);
            return 0;
        });

        var floodMisses = new Option<int>("--misses") { Description = "Distinct misses sent at once.", DefaultValueFactory = _ => 1000 };
        var floodConnections = new Option<int>("--connections") { Description = "Connections sending them.", DefaultValueFactory = _ => 64 };
        var quietMisses = new Option<int>("--quiet-misses") { Description = "Misses of the quiet tenant meanwhile.", DefaultValueFactory = _ => 50 };
        var hitConnections = new Option<int>("--hit-connections") { Description = "Connections asking for hits meanwhile.", DefaultValueFactory = _ => 8 };
        var budget = new Option<int>("--budget-mib") { Description = "The edge's memory budget, so the figures do not depend on the machine.", DefaultValueFactory = _ => 256 };
        var flood = new Command("flood", "1000 distinct misses and the bombs on one edge: peak RSS, shed ratio per tenant, hit p99.")
        {
            floodMisses, floodConnections, quietMisses, hitConnections, budget, data,
        };
        region.AddTo(flood);
        flood.SetAction(parse => RunFloodAsync(
            new DataSource(parse.GetValue(data), false, generator, parse),
            region.Settings(parse),
            new FloodSettings(
                Misses: parse.GetValue(floodMisses),
                Connections: parse.GetValue(floodConnections),
                QuietMisses: parse.GetValue(quietMisses),
                HitConnections: parse.GetValue(hitConnections),
                BudgetBytes: parse.GetValue(budget) * 1048576L),
            log));

        var missRounds = new Option<int>("--rounds") { Description = "Rounds; each server gets every case once per round (0: quality only).", DefaultValueFactory = _ => 3 };
        var missRequests = new Option<int>("--requests") { Description = "Distinct misses per case, server and round.", DefaultValueFactory = _ => 24 };
        var missConnections = new Option<int>("--connections") { Description = "Connections sending them (the edge's default slots and queue take 6).", DefaultValueFactory = _ => 4 };
        var missWarmup = new Option<int>("--warmup") { Description = "At least this many distinct misses per case and server before round 1, not counted; more, in batches of --requests, until two batches cost the server within 10 % of each other (at most 10).", DefaultValueFactory = _ => 48 };
        var before = new Option<string?>("--before") { Description = "An older build's EdgeImages.Edge.dll, measured in the same run as 'edge before'." };
        var photoSet = new Option<bool>("--photo-set") { Description = "Also measure bytes and PSNR (JPEG and WebP, w:400) on every photo of the shared test images." };
        var onlyCase = new Option<string?>("--case") { Description = "Only the cases whose name contains this text, as the log writes them (\"baseline 12 MP -> webp\"): one case, more rounds." };
        var misses = new Command("misses", "Misses over HTTP, the edge next to ipx (sharp/libvips): req/s, server CPU per image, bytes and PSNR.")
        {
            missRounds, missRequests, missConnections, missWarmup, before, photoSet, onlyCase,
        };
        misses.SetAction(parse => MissComparisonProbe.RunAsync(
            new MissComparisonSettings(parse.GetValue(missRounds), parse.GetValue(missRequests), parse.GetValue(missConnections), parse.GetValue(missWarmup), parse.GetValue(before), parse.GetValue(photoSet), parse.GetValue(onlyCase)),
            Path.Combine(LoadTestsFolder, "out", "misses"),
            log));

        var hits = HitsCommand(data, generator, log);
        var bare = BareServerCommand();
        var storeCalls = new Option<int>("--calls") { Description = "Timed calls of each kind.", DefaultValueFactory = _ => 2000 };
        var stores = new Command("stores", "p50/p99 of Redis and etcd calls, plain and with TLS and authentication, one at a time.") { storeCalls };
        stores.SetAction(async parse =>
        {
            await StoreLatencyProbe.RunAsync(parse.GetValue(storeCalls), Path.Combine(LoadTestsFolder, "out", "stores.json"), log);
            return 0;
        });

        return new RootCommand("EdgeImages load tests and measurements (loadtests/README.md).") { generate, run, consistency, controlPlane, flood, misses, stores, hits, bare };
    }

    /// <summary>The hit benchmark (<see cref="HitBenchmark"/>): memory and Redis hits against bare Kestrel, driven by wrk.</summary>
    private static Command HitsCommand(Option<string?> data, GeneratorOptions generator, TextWriter log)
    {
        var pinnable = Environment.ProcessorCount >= 2;
        var rounds = new Option<int>("--rounds") { Description = "Rounds; each runs every target once, in a rotating order.", DefaultValueFactory = _ => 3 };
        var seconds = new Option<int>("--seconds") { Description = "Seconds of each wrk run.", DefaultValueFactory = _ => 10 };
        var connections = new Option<int>("--connections") { Description = "wrk connections.", DefaultValueFactory = _ => 32 };
        var threads = new Option<int>("--threads") { Description = "wrk threads.", DefaultValueFactory = _ => 1 };
        var warmup = new Option<int>("--warmup") { Description = "Seconds of wrk against each target before the rounds (two passes).", DefaultValueFactory = _ => 20 };
        var serverCpus = new Option<string>("--server-cpus") { Description = "CPUs of the servers (taskset list).", DefaultValueFactory = _ => "1" };
        var clientCpus = new Option<string>("--client-cpus") { Description = "CPUs of wrk and this runner (taskset list).", DefaultValueFactory = _ => "0" };
        var noPin = new Option<bool>("--no-pin") { Description = "Let the scheduler place servers and client anywhere." };
        var flood = new Option<bool>("--flood") { Description = "Also measure memory hits while distinct misses flood the edge." };
        var factor = new Option<double>("--flood-factor") { Description = "Miss arrivals as a multiple of the measured transform capacity.", DefaultValueFactory = _ => 10 };
        var set = new Option<string[]>("--set") { Description = "Any edge setting, Key=Value; repeatable." };
        var output = new Option<string?>("--out") { Description = "Where summary.json goes (default: loadtests/out/hits)." };
        var baselineEdge = new Option<string?>("--baseline-edge") { Description = "Another build's EdgeImages.Edge.dll, measured as memory-baseline in the same run." };
        var paired = new Option<int>("--paired-rounds") { Description = "With --baseline-edge: rounds of the memory edge and the baseline at once on one core, compared by CPU per request.", DefaultValueFactory = _ => 6 };
        var https = new Option<bool>("--https") { Description = "Also bare, memory and Redis hits over HTTPS (a test CA's certificate), interleaved." };
        var command = new Command("hits", "Memory and Redis hits against bare Kestrel with the same bytes and headers, driven by wrk.")
        {
            rounds, seconds, connections, threads, warmup, serverCpus, clientCpus, noPin, flood, factor, set, output, baselineEdge, paired, https, data,
        };
        command.SetAction(parse =>
        {
            var source = new DataSource(parse.GetValue(data), false, generator, parse);
            var loaded = LoadOrGenerate(source, small: true, log);
            var pin = pinnable && !parse.GetValue(noPin);
            return HitBenchmark.RunAsync(loaded, DataFolder(source.Folder, "smoke-data"), new HitBenchmarkSettings
            {
                Rounds = parse.GetValue(rounds),
                Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)),
                Connections = parse.GetValue(connections),
                Threads = parse.GetValue(threads),
                Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                BaselineEdge = parse.GetValue(baselineEdge) is { } baselinePath ? Path.GetFullPath(baselinePath) : null,
                PairedRounds = parse.GetValue(paired),
                ServerCpus = pin ? parse.GetValue(serverCpus) : null,
                ClientCpus = pin ? parse.GetValue(clientCpus) : null,
                Flood = parse.GetValue(flood),
                Https = parse.GetValue(https),
                FloodFactor = parse.GetValue(factor),
                EdgeSettings = (parse.GetValue(set) ?? []).Select(s => s.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""),
                Output = parse.GetValue(output) ?? Path.Combine(LoadTestsFolder, "out", "hits"),
            }, log);
        });
        return command;
    }

    /// <summary>The bare Kestrel of the hit benchmark, in its own process (<see cref="BareProcess"/>); not for people.</summary>
    private static Command BareServerCommand()
    {
        var port = new Option<int>("--port") { Required = true };
        var body = new Option<string>("--body") { Required = true };
        var headers = new Option<string>("--headers") { Required = true };
        var certificate = new Option<string?>("--certificate");
        var key = new Option<string?>("--key");
        var command = new Command("bare-server", "The hit benchmark's bare Kestrel (started by hits).") { port, body, headers, certificate, key };
        command.Hidden = true;
        command.SetAction((parse, cancellationToken) => BareProcess.ServeAsync(parse.GetValue(port), parse.GetValue(body)!, parse.GetValue(headers)!, parse.GetValue(certificate), parse.GetValue(key), cancellationToken));
        return command;
    }

    private static async Task<int> RunScenarioAsync(string scenario, DataSource source, RegionSettings asked, string? outFolder, string[] passed, TextWriter log, CancellationToken cancellationToken)
    {
        var script = Path.Combine(LoadTestsFolder, "scenarios", scenario + ".mjs");
        if (!File.Exists(script))
        {
            log.WriteLine($"no scenario {scenario} ({script})");
            return 2;
        }

        // The smoke scenario runs inside the test suite: a small catalog of its own, quick to make.
        var small = scenario == "smoke";
        var data = LoadOrGenerate(source, small, log);
        var dataFolder = DataFolder(source.Folder, small ? "smoke-data" : "data");
        var tiers = scenario == "tiers";
        var settings = asked with
        {
            // L2 hits need a second edge of the region and its Redis.
            Edges = tiers ? Math.Max(2, asked.Edges) : asked.Edges,
            Redis = tiers || asked.Redis,
        };

        await using var region = await Region.StartAsync(settings, data, dataFolder, log);
        var edge = region.Edges[0].Address;
        var (hotBody, hotType, hotTag) = await WarmHotAsync(edge, data.Hot);
        await using var bare = await BareServer.StartAsync(hotBody, hotType, hotTag, region.Stats);

        var output = outFolder ?? Path.Combine(LoadTestsFolder, "out", scenario);
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

    private static async Task<int> RunConsistencyAsync(DataSource source, RegionSettings settings, int rounds, TextWriter log)
    {
        var data = LoadOrGenerate(source, small: true, log);
        var dataFolder = DataFolder(source.Folder, "smoke-data");
        await using var region = await Region.StartAsync(settings with { Etcd = true }, data, dataFolder, log);
        await ConsistencyProbe.RunAsync(region, data, dataFolder, rounds, Path.Combine(LoadTestsFolder, "out", "consistency.json"), log);
        return 0;
    }

    /// <summary>
    /// The flood (<see cref="FloodProbe"/>) on one edge with an explicit memory budget (default 256 MiB), so that the
    /// figures do not depend on the machine's memory; <c>--set</c> adds any other edge setting (slots, queue).
    /// </summary>
    private static async Task<int> RunFloodAsync(DataSource source, RegionSettings region, FloodSettings settings, TextWriter log)
    {
        var data = LoadOrGenerate(source, small: true, log);
        var dataFolder = DataFolder(source.Folder, "smoke-data");
        var edge = new Dictionary<string, string>(region.EdgeSettings)
        {
            ["Transforms:MemoryBudgetBytes"] = settings.BudgetBytes.ToString(CultureInfo.InvariantCulture),
        };
        await using var running = await Region.StartAsync(region with { Edges = 1, EdgeSettings = edge }, data, dataFolder, log);
        return await FloodProbe.RunAsync(running, data, dataFolder, settings, Path.Combine(LoadTestsFolder, "out", "flood"), log);
    }

    private static LoadTestData LoadOrGenerate(DataSource source, bool small, TextWriter log)
    {
        var folder = DataFolder(source.Folder, small ? "smoke-data" : "data");
        return File.Exists(Path.Combine(folder, LoadTestData.FileName)) && !source.Regenerate
            ? LoadTestData.Read(folder)
            : Generator.Generate(source.Generator.Settings(source.Parse, small), RepositoryPaths.TestImages, folder, log);
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

    private static string DataFolder(string? asked, string name) =>
        asked is { } data ? Path.GetFullPath(data) : Path.Combine(LoadTestsFolder, "out", name);
}

/// <summary>The generator's options, shared by the commands that may make a catalog.</summary>
internal sealed class GeneratorOptions
{
    private static readonly GeneratorSettings Full = new();
    private static readonly GeneratorSettings Small = new() { Tenants = 2, Originals = 8, Requests = 3_000, Misses = 300, MaxEdge = 1000 };

    private readonly Option<int?> _seed = new("--seed") { Description = $"Random seed (default {Full.Seed})." };
    private readonly Option<int?> _tenants = new("--tenants") { Description = $"Tenants (default {Full.Tenants})." };
    private readonly Option<int?> _originals = new("--originals") { Description = $"Originals (default {Full.Originals})." };
    private readonly Option<int?> _requests = new("--requests") { Description = $"Requests in the mix (default {Full.Requests})." };
    private readonly Option<int?> _misses = new("--misses") { Description = $"Distinct all-miss URLs (default {Full.Misses})." };
    private readonly Option<double?> _zipf = new("--zipf") { Description = $"Zipf exponent of popularity (default {Full.ZipfExponent})." };
    private readonly Option<int?> _maxEdge = new("--max-edge") { Description = $"Longest side of an original, px (default {Full.MaxEdge})." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _seed, _tenants, _originals, _requests, _misses, _zipf, _maxEdge })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings asked for; what is not given comes from the full catalog's defaults or the smoke's small one.</summary>
    public GeneratorSettings Settings(ParseResult parse, bool small)
    {
        var defaults = small ? Small : Full;
        return new GeneratorSettings
        {
            Seed = parse.GetValue(_seed) ?? defaults.Seed,
            Tenants = parse.GetValue(_tenants) ?? defaults.Tenants,
            Originals = parse.GetValue(_originals) ?? defaults.Originals,
            Requests = parse.GetValue(_requests) ?? defaults.Requests,
            Misses = parse.GetValue(_misses) ?? defaults.Misses,
            ZipfExponent = parse.GetValue(_zipf) ?? defaults.ZipfExponent,
            MaxEdge = parse.GetValue(_maxEdge) ?? defaults.MaxEdge,
        };
    }
}

/// <summary>The region's shape: how many edges, and whether Redis and an origin node run behind them.</summary>
internal sealed class RegionOptions
{
    private readonly Option<int> _edges = new("--edges") { Description = "Edges in the region.", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> _redis = new("--redis") { Description = "A real redis-server as the region's L2." };
    private readonly Option<bool> _origin = new("--origin") { Description = "PostgreSQL and an origin node, the catalog uploaded by PUT." };
    private readonly Option<string[]> _set = new("--set") { Description = "Any edge setting, Key=Value; repeatable." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _edges, _redis, _origin, _set })
        {
            command.Options.Add(option);
        }
    }

    public RegionSettings Settings(ParseResult parse) => new()
    {
        Edges = parse.GetValue(_edges),
        Redis = parse.GetValue(_redis),
        Origin = parse.GetValue(_origin),
        EdgeSettings = (parse.GetValue(_set) ?? []).Select(s => s.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""),
    };
}

/// <summary>Where a command's catalog comes from: the folder asked for, made there when missing or asked to.</summary>
internal sealed record DataSource(string? Folder, bool Regenerate, GeneratorOptions Generator, ParseResult Parse);
