using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Probes;
using EdgeImages.LoadTests.Topology;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;

namespace EdgeImages.LoadTests.Hits;

/// <summary>How the hit benchmark runs (the <c>hits</c> command's options).</summary>
internal sealed record HitBenchmarkSettings
{
    public int Rounds { get; init; } = 3;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public int Connections { get; init; } = 32;

    public int Threads { get; init; } = 1;

    /// <summary>wrk against each target before the measured rounds, the same for every target (JIT tiers, PGO, pools).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>CPUs of the servers (edges, bare Kestrel, Redis), a taskset list; null: not pinned.</summary>
    public string? ServerCpus { get; init; }

    /// <summary>CPUs of the client (wrk, and this runner); null: not pinned.</summary>
    public string? ClientCpus { get; init; }

    /// <summary>Also measure memory hits while distinct misses arrive at <see cref="FloodFactor"/> times the transform capacity.</summary>
    public bool Flood { get; init; }

    public double FloodFactor { get; init; } = 10;

    /// <summary>
    /// Also bare Kestrel, the memory edge and the Redis edge over HTTPS (a test CA's certificate, TLS 1.3), as the
    /// targets <c>bare-https</c>, <c>memory-https</c> and <c>redis-https</c>, interleaved with the rest.
    /// </summary>
    public bool Https { get; init; }

    /// <summary>At most this long, before each run, for every server process to fall quiet (<see cref="Quiet"/>).</summary>
    public TimeSpan QuietTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Another build of the edge (its <c>EdgeImages.Edge.dll</c>), measured as the target <c>memory-baseline</c> with the
    /// memory edge's settings, interleaved with the rest: a before/after in one run.
    /// </summary>
    public string? BaselineEdge { get; init; }

    /// <summary>
    /// With <see cref="BaselineEdge"/>: rounds after the others in which the memory edge and the baseline are driven at
    /// once on the same core, each by its own wrk with half the connections. Whatever slows the machine then slows both
    /// alike, so their CPU per request compares to a percent or two, where runs at different times differ by a third.
    /// </summary>
    public int PairedRounds { get; init; } = 6;

    /// <summary>Edge settings over the shipped ones (<c>--set</c>).</summary>
    public IReadOnlyDictionary<string, string> EdgeSettings { get; init; } = new Dictionary<string, string>();

    public required string Output { get; init; }
}

/// <summary>
/// Memory hits and Redis hits of the edge against bare Kestrel serving the same bytes and headers, interleaved in one
/// run, driven by wrk: requests per second, server CPU per request (from /proc), the server's and the client's CPU
/// use (the client must not be the bottleneck: the bare server saturates its cores while wrk does not), bytes
/// allocated per request (the edge's <c>dotnet.gc.heap.total_allocated</c>), and the ratios. The edges run as
/// shipped (request log at Information, metrics, tracing) with only the per-client limit raised, since all the load
/// comes from one address. With <c>--flood</c>, memory hits are measured again while distinct misses flood the edge.
/// </summary>
internal static class HitBenchmark
{
    private const string Bare = "bare";
    private const string Memory = "memory";
    private const string Redis = "redis";
    private const string Flooded = "memory+flood";
    private const string Baseline = "memory-baseline";
    private const string HttpsSuffix = "-https";
    private const int TargetBytes = 30 * 1024;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(LoadTestData data, string dataFolder, HitBenchmarkSettings settings, TextWriter log)
    {
        if (!Wrk.IsInstalled)
        {
            log.WriteLine("wrk is missing: apt-get install -y wrk (the Debian package).");
            return 2;
        }

        log.WriteLine($"load before: {Uptime()}");
        var self = Environment.ProcessId;
        if (settings.ServerCpus is { } serverCpus)
        {
            // Children inherit the affinity of the thread that starts them: the servers start while this runner sits on
            // the server CPUs, then the runner moves to the client's.
            await PinAsync(self, serverCpus);
        }

        var shipped = new Dictionary<string, string>
        {
            // As shipped (edge/appsettings.json): the request log at Information. The region's default is Warning.
            ["Logging:LogLevel:Default"] = "Information",
            // All the load comes from one address: the limiter still runs, at a rate this benchmark never reaches.
            ["RateLimiting:PerClientPerSecond"] = "10000000",
            ["RateLimiting:PerClientBurst"] = "10000000",
        };
        foreach (var (key, value) in settings.EdgeSettings)
        {
            shipped[key] = value;
        }

        var regionSettings = new RegionSettings
        {
            Edges = 2,
            Redis = true,
            EdgeSettings = shipped,
            // The second edge keeps almost nothing in memory (1 MiB), so the rotation over many variants is answered by Redis.
            PerEdgeSettings = new Dictionary<int, IReadOnlyDictionary<string, string>>
            {
                [1] = new Dictionary<string, string> { ["Caching:MemoryLimitBytes"] = "1048576" },
            },
        };
        await using var region = await Region.StartAsync(regionSettings, data, dataFolder, log);
        var memoryEdge = region.Edges[0];
        var redisEdge = region.Edges[1];

        // Every miss of the catalog made once on the memory edge: in its memory, and in Redis for the other edge.
        var (hot, body, headers) = await WarmAsync(memoryEdge.Address, data, log);
        await using var bare = await BareProcess.StartAsync(body, headers);
        EdgeBuild? baseline = null;
        if (settings.BaselineEdge is { } baselineBuild)
        {
            baseline = await EdgeBuild.StartAsync(baselineBuild, region.EdgeConfigurations[0]);
            using var client = new HttpClient { BaseAddress = baseline.Address, Timeout = TimeSpan.FromSeconds(60) };
            using (await SendAsync(client, hot))
            {
                // The miss that puts the hot variant in the baseline's memory.
            }

            log.WriteLine($"baseline edge ({baselineBuild}) on {baseline.Address}");
        }

        await using var baselineOwner = baseline;
        using var pki = settings.Https ? new TestPki() : null;
        (PemFiles, Func<HttpClient>)? tls = pki is null ? null : (pki.IssueServer("hits"), () => pki.CreateClient());
        Func<HttpClient> plain = () => new HttpClient();
        Func<HttpClient> trusting = pki is null ? plain : () => pki.CreateClient();
        BareProcess? bareTls = null;
        EdgeBuild? memoryTls = null;
        EdgeBuild? redisTls = null;
        if (tls is not null)
        {
            // Processes of their own with the same settings and the same build, on HTTPS only (Kestrel's HTTPS endpoint
            // and the edge's TLS settings as shipped): an edge with both would answer plain HTTP with 308.
            bareTls = await BareProcess.StartAsync(body, headers, tls);
            memoryTls = await EdgeBuild.StartAsync(EdgeBuild.Current, region.EdgeConfigurations[0], tls);
            redisTls = await EdgeBuild.StartAsync(EdgeBuild.Current, region.EdgeConfigurations[1], tls);
            using var client = trusting();
            client.BaseAddress = memoryTls.Address;
            client.Timeout = TimeSpan.FromSeconds(60);
            using (await SendAsync(client, hot))
            {
                // The miss that puts the hot variant in its memory.
            }

            log.WriteLine($"over HTTPS: bare on {bareTls.Address}, memory edge on {memoryTls.Address}, Redis edge on {redisTls.Address}");
        }

        await using var bareTlsOwner = bareTls;
        await using var memoryTlsOwner = memoryTls;
        await using var redisTlsOwner = redisTls;
        if (settings.ClientCpus is { } clientCpus)
        {
            await PinAsync(self, clientCpus);
        }

        MissFlood? flood = null;
        if (settings.Flood)
        {
            flood = MissFlood.Prepare(memoryEdge.Address, LoadTestData.KeyFor(data.Seed, out _), data.Tenants[0], Path.Combine(dataFolder, "originals"));
        }

        using var floodOwner = flood;
        var redisRequests = RedisRotation(data).Select(m => (m.Path, m.Accept)).ToList();
        var targets = new Dictionary<string, (WrkTarget Target, Func<int> Pid, Uri? Metrics, Func<HttpClient> Client)>
        {
            [Bare] = (new WrkTarget(bare.Address, [("bare", hot.Accept)]), () => bare.ProcessId, null, plain),
            [Memory] = (new WrkTarget(memoryEdge.Address, [(hot.Path, hot.Accept)]), () => memoryEdge.ProcessId!.Value, new Uri(memoryEdge.Address, "metrics"), plain),
            [Redis] = (new WrkTarget(redisEdge.Address, redisRequests), () => redisEdge.ProcessId!.Value, new Uri(redisEdge.Address, "metrics"), plain),
        };
        if (baseline is not null)
        {
            targets[Baseline] = (new WrkTarget(baseline.Address, [(hot.Path, hot.Accept)]), () => baseline.ProcessId, new Uri(baseline.Address, "metrics"), plain);
        }

        if (bareTls is not null && memoryTls is not null && redisTls is not null)
        {
            targets[Bare + HttpsSuffix] = (new WrkTarget(bareTls.Address, [("bare", hot.Accept)]), () => bareTls.ProcessId, null, trusting);
            targets[Memory + HttpsSuffix] = (new WrkTarget(memoryTls.Address, [(hot.Path, hot.Accept)]), () => memoryTls.ProcessId, new Uri(memoryTls.Address, "metrics"), trusting);
            targets[Redis + HttpsSuffix] = (new WrkTarget(redisTls.Address, redisRequests), () => redisTls.ProcessId, new Uri(redisTls.Address, "metrics"), trusting);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hits: wrk -t{settings.Threads} -c{settings.Connections}, {settings.Warmup.TotalSeconds:F0} s of warm-up and {settings.Duration.TotalSeconds:F0} s a run per target, {settings.Rounds} rounds interleaved; servers on CPUs {settings.ServerCpus ?? "any"}, client on {settings.ClientCpus ?? "any"}; memory hit {body.Length} bytes"));

        // Warm-up, the same for every target: connection pools, Redis, and the JIT. .NET compiles a method quickly first,
        // then with profile-guided optimisation in the background once it is hot, which for the edge's request path
        // (hundreds of methods) took most of a minute on a busy machine: a 3 s warm-up left the edge's first rounds at
        // half their final rate while bare Kestrel (a few methods) was warm. Two passes, so that each target is warmed
        // again after the others ran.
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var (name, (target, _, _, _)) in targets)
            {
                await Wrk.RunAsync(target, settings.Threads, settings.Connections, settings.Warmup / 2, settings.ClientCpus, settings.Output, CancellationToken.None);
            }
        }

        double capacity = 0;
        if (flood is not null)
        {
            capacity = await flood.MeasureCapacityAsync(concurrency: 8, TimeSpan.FromSeconds(8));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"transform capacity: {capacity:F1} misses/s answered with 8 in flight; the flood sends {settings.FloodFactor * capacity:F0}/s"));

            // The flood warmed like every target, unmeasured: shedding, 503s and hits under a full queue are code paths of
            // their own, and a profile of the first flooded round found the JIT compiling them on 15 % of the core.
            using var stopWarming = new CancellationTokenSource();
            var warming = flood.RunAsync(settings.FloodFactor * capacity, stopWarming.Token);
            await Wrk.RunAsync(targets[Memory].Target, settings.Threads, settings.Connections, settings.Warmup / 2, settings.ClientCpus, settings.Output, CancellationToken.None);
            await stopWarming.CancelAsync();
            await warming;
        }

        var runs = new List<Run>();
        var order = new List<string> { Bare, Memory, Redis };
        if (baseline is not null)
        {
            order.Add(Baseline);
        }

        if (tls is not null)
        {
            order.AddRange([Bare + HttpsSuffix, Memory + HttpsSuffix, Redis + HttpsSuffix]);
        }

        var servers = targets.Values.Select(t => t.Pid()).ToList();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            foreach (var name in order)
            {
                var (target, pid, metrics, client) = targets[name];
                var run = await MeasureAsync(round, name, target, pid(), servers, metrics, client, settings, null, log);
                runs.Add(run);
                log.WriteLine(run.Describe());
            }

            if (flood is not null)
            {
                var (target, pid, metrics, client) = targets[Memory];
                var run = await MeasureAsync(round, Flooded, target, pid(), servers, metrics, client, settings, (flood, settings.FloodFactor * capacity), log);
                runs.Add(run);
                log.WriteLine(run.Describe());
            }

            // Each round starts with a different target, so that none always runs first or last.
            order.Add(order[0]);
            order.RemoveAt(0);
        }

        var paired = new List<PairedRun>();
        if (baseline is not null)
        {
            for (var round = 1; round <= settings.PairedRounds; round++)
            {
                var run = await MeasurePairedAsync(round, targets[Memory].Target, memoryEdge.ProcessId!.Value, targets[Baseline].Target, baseline.ProcessId, servers, settings);
                paired.Add(run);
                log.WriteLine(run.Describe());
            }
        }

        log.WriteLine($"load after: {Uptime()}");
        return await ReportAsync(runs, paired, settings, log);
    }

    /// <summary>The memory edge and the baseline build at once, on the same core, each with its own wrk (half the connections).</summary>
    private static async Task<PairedRun> MeasurePairedAsync(int round, WrkTarget memory, int memoryPid, WrkTarget baseline, int baselinePid, List<int> servers, HitBenchmarkSettings settings)
    {
        await Quiet.WaitAsync(servers, settings.QuietTimeout);
        var connections = Math.Max(1, settings.Connections / 2);
        var (memoryBefore, baselineBefore) = (CpuClock.ProcessSeconds(memoryPid), CpuClock.ProcessSeconds(baselinePid));
        var memoryRun = Wrk.RunAsync(memory, settings.Threads, connections, settings.Duration, settings.ClientCpus, settings.Output, CancellationToken.None);
        var baselineRun = Wrk.RunAsync(baseline, settings.Threads, connections, settings.Duration, settings.ClientCpus, settings.Output, CancellationToken.None);
        var (memoryWrk, baselineWrk) = (await memoryRun, await baselineRun);
        return new PairedRun(
            round,
            memoryWrk,
            (CpuClock.ProcessSeconds(memoryPid) - memoryBefore) / memoryWrk.Requests * 1e6,
            baselineWrk,
            (CpuClock.ProcessSeconds(baselinePid) - baselineBefore) / baselineWrk.Requests * 1e6);
    }

    private static async Task<Run> MeasureAsync(int round, string name, WrkTarget target, int pid, List<int> servers, Uri? metrics, Func<HttpClient> newClient, HitBenchmarkSettings settings, (MissFlood Flood, double Rate)? flood, TextWriter log)
    {
        using var client = newClient();
        // The servers share a core: one still busy after its run (a GC, a flush, the JIT) takes it from the next.
        var settled = await Quiet.WaitAsync(servers, settings.QuietTimeout);
        var allocatedBefore = await AllocatedAsync(client, metrics, target.Server);
        var tiersBefore = await TiersAsync(client, metrics);
        using var stopFlood = new CancellationTokenSource();
        var flooding = flood is { } f ? f.Flood.RunAsync(f.Rate, stopFlood.Token) : Task.FromResult<FloodResult?>(null)!;
        if (flood is not null)
        {
            // Let the queue fill and the shedding start before the hits are measured.
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        var bystanders = servers.Where(p => p != pid).ToList();
        var othersBefore = bystanders.Sum(CpuClock.ProcessSeconds);
        var cpuBefore = CpuClock.ProcessSeconds(pid);
        var clock = Stopwatch.StartNew();
        var wrk = await Wrk.RunAsync(target, settings.Threads, settings.Connections, settings.Duration, settings.ClientCpus, settings.Output, CancellationToken.None);
        var wall = clock.Elapsed.TotalSeconds;
        var cpu = CpuClock.ProcessSeconds(pid) - cpuBefore;
        var others = bystanders.Sum(CpuClock.ProcessSeconds) - othersBefore;
        await stopFlood.CancelAsync();
        var floodResult = await flooding;
        var allocated = await AllocatedAsync(client, metrics, target.Server) - allocatedBefore;
        var tiers = Subtract(await TiersAsync(client, metrics), tiersBefore);
        return new Run(round, name, wrk, cpu, wall, allocated, tiers, floodResult) { Settled = settled, OtherServersCpuSeconds = others };
    }

    private static async Task<int> ReportAsync(List<Run> runs, List<PairedRun> paired, HitBenchmarkSettings settings, TextWriter log)
    {
        var byTarget = runs.GroupBy(r => r.Target).ToDictionary(g => g.Key, g => g.ToList());
        double Median(string target, Func<Run, double> value) => byTarget.TryGetValue(target, out var list) ? Percentiles.Of(list.Select(value).ToList(), 50) : double.NaN;

        log.WriteLine();
        log.WriteLine($"medians over {settings.Rounds} rounds:");
        log.WriteLine("| target | req/s | server CPU µs/req | server cores busy | client cores busy | p50 ms | p99 ms | bytes/resp | allocated B/req | rate vs bare | CPU/req vs bare |");
        log.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        // Each target against bare Kestrel over the same protocol.
        static string BareFor(string target) => target.EndsWith(HttpsSuffix, StringComparison.Ordinal) ? Bare + HttpsSuffix : Bare;
        var bareRate = Median(Bare, r => r.Wrk.RequestsPerSecond);
        foreach (var target in byTarget.Keys)
        {
            var rate = Median(target, r => r.Wrk.RequestsPerSecond);
            var cpu = Median(target, r => r.CpuMicrosPerRequest);
            var bareFor = BareFor(target);
            var (bareRateFor, bareCpu) = (Median(bareFor, r => r.Wrk.RequestsPerSecond), Median(bareFor, r => r.CpuMicrosPerRequest));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {target} | {rate:F0} | {cpu:F1} | {Median(target, r => r.ServerCores):F2} | {Median(target, r => r.ClientCores):F2} | {Median(target, r => r.Wrk.P50Ms):F2} | {Median(target, r => r.Wrk.P99Ms):F2} | {Median(target, r => r.Wrk.BytesPerRequest):F0} | {Median(target, r => r.AllocatedPerRequest):F0} | {rate / bareRateFor:F2} | {cpu / bareCpu:F2} |"));
        }

        foreach (var target in byTarget.Keys.Where(t => t != Bare && t != Bare + HttpsSuffix))
        {
            var bareFor = BareFor(target);
            var ratios = byTarget[target].Join(byTarget[bareFor], r => r.Round, b => b.Round, (r, b) => r.Wrk.RequestsPerSecond / b.Wrk.RequestsPerSecond).ToList();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{target} / {bareFor}, rate per round: {string.Join(", ", ratios.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} (spread {ratios.Min():F2}–{ratios.Max():F2})"));
        }

        var memoryRate = Median(Memory, r => r.Wrk.RequestsPerSecond);
        if (byTarget.TryGetValue(Flooded, out var flooded))
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"memory hits under the flood: {Median(Flooded, r => r.Wrk.RequestsPerSecond) / memoryRate:F2} of their unloaded rate, p99 {Median(Flooded, r => r.Wrk.P99Ms):F1} ms (bars: ≥ 0.5, ≤ 50 ms)"));
            foreach (var run in flooded)
            {
                log.WriteLine($"  round {run.Round} flood: {run.Flood}");
            }
        }

        if (byTarget.ContainsKey(Baseline))
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"memory / memory-baseline: rate {memoryRate / Median(Baseline, r => r.Wrk.RequestsPerSecond):F2}, CPU/req {Median(Memory, r => r.CpuMicrosPerRequest) / Median(Baseline, r => r.CpuMicrosPerRequest):F2}, allocated/req {Median(Memory, r => r.AllocatedPerRequest):F0} B against {Median(Baseline, r => r.AllocatedPerRequest):F0} B"));
        }

        if (paired.Count > 0)
        {
            var cpuRatios = paired.Select(p => p.CpuRatio).ToList();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"memory / memory-baseline at once on one core, CPU/req: median {Percentiles.Of(cpuRatios, 50):F3} over {paired.Count} rounds (spread {cpuRatios.Min():F3}–{cpuRatios.Max():F3}), rate {Percentiles.Of(paired.Select(p => p.RateRatio).ToList(), 50):F3}"));
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory hits / bare: {memoryRate / bareRate:F2} (bar: ≥ 0.9)"));
        if (byTarget.ContainsKey(Memory + HttpsSuffix))
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"over HTTPS, memory hits / bare: {Median(Memory + HttpsSuffix, r => r.Wrk.RequestsPerSecond) / Median(Bare + HttpsSuffix, r => r.Wrk.RequestsPerSecond):F2}"));
        }

        Directory.CreateDirectory(settings.Output);
        var file = Path.Combine(settings.Output, "summary.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { settings = new { settings.Rounds, seconds = settings.Duration.TotalSeconds, settings.Connections, settings.Threads, settings.ServerCpus, settings.ClientCpus, settings.Https }, runs, paired }, Indented));
        log.WriteLine($"every run: {file}");
        return 0;
    }

    /// <summary>Makes every miss of the catalog on the edge, then picks the variant nearest 30 KB and reads its memory hit.</summary>
    private static async Task<(MixRequest Hot, byte[] Body, List<(string Name, string Value)> Headers)> WarmAsync(Uri edge, LoadTestData data, TextWriter log)
    {
        using var client = new HttpClient { BaseAddress = edge, Timeout = TimeSpan.FromSeconds(60) };
        var sizes = new List<(MixRequest Request, int Bytes)>();
        foreach (var request in RedisRotation(data).Prepend(data.Hot))
        {
            using var response = await SendAsync(client, request);
            if (response.IsSuccessStatusCode)
            {
                sizes.Add((request, (await response.Content.ReadAsByteArrayAsync()).Length));
            }
        }

        log.WriteLine($"warmed {sizes.Count} variants on the memory edge (and in Redis)");
        var hot = sizes.MinBy(s => Math.Abs(s.Bytes - TargetBytes)).Request;
        using var hit = await SendAsync(client, hot);
        var tier = hit.Headers.TryGetValues("X-Cache", out var values) ? values.Single() : "";
        if (tier != "HIT-MEMORY")
        {
            throw new InvalidOperationException($"The warmed variant answered X-Cache {tier}, not HIT-MEMORY.");
        }

        var skip = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Date", "Server", "Content-Length", "Transfer-Encoding" };
        var headers = hit.Headers.Concat(hit.Content.Headers)
            .Where(h => !skip.Contains(h.Key))
            .Select(h => (h.Key, string.Join(", ", h.Value)))
            .ToList();
        return (hot, await hit.Content.ReadAsByteArrayAsync(), headers);
    }

    /// <summary>
    /// The variants the Redis edge is asked for in turn: every miss of the catalogue (300, about 1.4 MB), more than its
    /// 1 MiB memory tier holds, so that many answers come from Redis; the run prints the split (150 were too few: they
    /// all fitted in memory).
    /// </summary>
    private static IEnumerable<MixRequest> RedisRotation(LoadTestData data) => data.Misses;

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, MixRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, request.Path);
        message.Headers.TryAddWithoutValidation("Accept", request.Accept);
        return client.SendAsync(message);
    }

    /// <summary>Bytes the server process has allocated so far: the edge's runtime metric, or the bare server's <c>/alloc</c>.</summary>
    private static async Task<double> AllocatedAsync(HttpClient client, Uri? metrics, Uri server)
    {
        if (metrics is null)
        {
            return double.Parse(await client.GetStringAsync(new Uri(server, "alloc")), CultureInfo.InvariantCulture);
        }

        var samples = PrometheusText.Parse(await client.GetStringAsync(metrics));
        return samples.FirstOrDefault(s => s.Name.StartsWith("dotnet_gc_heap_total_allocated", StringComparison.Ordinal))?.Value ?? double.NaN;
    }

    /// <summary>Image requests answered so far, by X-Cache tier (the edge's <c>edgeimages_requests_total</c>).</summary>
    private static async Task<Dictionary<string, double>> TiersAsync(HttpClient client, Uri? metrics)
    {
        if (metrics is null)
        {
            return [];
        }

        return PrometheusText.Parse(await client.GetStringAsync(metrics))
            .Where(s => s.Name == "edgeimages_requests_total" && s.Labels.ContainsKey("cache"))
            .GroupBy(s => s.Labels["cache"])
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
    }

    private static Dictionary<string, double> Subtract(Dictionary<string, double> after, Dictionary<string, double> before) =>
        after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));

    private static async Task PinAsync(int pid, string cpus) =>
        await ProcessHandle.RunAsync("taskset", ["-a", "-p", "-c", cpus, pid.ToString(CultureInfo.InvariantCulture)]);

    private static string Uptime() => File.ReadAllText("/proc/loadavg").Trim();

    /// <summary>A paired round: the memory edge and the baseline build driven at once, each with its CPU per request.</summary>
    internal sealed record PairedRun(int Round, WrkResult Memory, double MemoryCpuMicrosPerRequest, WrkResult Baseline, double BaselineCpuMicrosPerRequest)
    {
        public double CpuRatio => MemoryCpuMicrosPerRequest / BaselineCpuMicrosPerRequest;

        public double RateRatio => Memory.RequestsPerSecond / Baseline.RequestsPerSecond;

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"paired round {Round}: memory {MemoryCpuMicrosPerRequest:F1} µs CPU/req ({Memory.RequestsPerSecond:F0} req/s), memory-baseline {BaselineCpuMicrosPerRequest:F1} µs CPU/req ({Baseline.RequestsPerSecond:F0} req/s): CPU ratio {CpuRatio:F3}");
    }

    /// <summary>One wrk run against one target, and what the server spent on it.</summary>
    internal sealed record Run(int Round, string Target, WrkResult Wrk, double ServerCpuSeconds, double WallSeconds, double Allocated, Dictionary<string, double> Tiers, FloodResult? Flood)
    {
        /// <summary>How long the servers took to fall quiet before this run, and what the busiest still used then.</summary>
        public Quiet.Result Settled { get; init; }

        /// <summary>CPU the other server processes (not this run's target) used during the run.</summary>
        public double OtherServersCpuSeconds { get; init; }

        public double OtherServerCores => OtherServersCpuSeconds / WallSeconds;

        public double CpuMicrosPerRequest => Wrk.Requests > 0 ? ServerCpuSeconds / Wrk.Requests * 1e6 : double.NaN;

        public double ServerCores => ServerCpuSeconds / WallSeconds;

        public double ClientCores => Wrk.ClientCpuSeconds / WallSeconds;

        public double AllocatedPerRequest => Wrk.Requests > 0 ? Allocated / Wrk.Requests : double.NaN;

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"round {Round} {Target,-13} {Wrk.RequestsPerSecond,8:F0} req/s  {CpuMicrosPerRequest,6:F1} µs CPU/req  server {ServerCores:F2} cores  wrk {ClientCores:F2} cores  p50 {Wrk.P50Ms:F2} ms  p99 {Wrk.P99Ms:F2} ms  {AllocatedPerRequest:F0} B alloc/req  errors {Wrk.Errors}  settled {Settled.Seconds:F1} s  other servers {OtherServerCores:F2} cores{TiersText}");

        private string TiersText => Tiers.Count == 0 ? "" : "  tiers " + string.Join(" ", Tiers.Where(t => t.Value > 0).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key}={t.Value:F0}")));
    }
}
