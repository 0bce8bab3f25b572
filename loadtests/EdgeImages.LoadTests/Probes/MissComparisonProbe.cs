using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Topology;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using EdgeImages.Testing;
using SkiaSharp;

namespace EdgeImages.LoadTests.Probes;

/// <summary>
/// Misses over HTTP, side by side: the edge (this build, and optionally an older build for a before/after in the same
/// run) and ipx (sharp/libvips behind Node's HTTP server) on the same originals folder, the same transforms, the same
/// client. For each case and round, every server gets the same number of distinct misses from the same number of
/// connections, one server after another (the order rotates by round); the figures are requests per second and the
/// server process's CPU time (utime + stime from /proc) per image. Quality is compared once per case at w:400:
/// output bytes, and PSNR of each output against a Lanczos-3 reduction of the full-size original (alpha flattened on
/// grey), computed here, independently of both servers.
/// </summary>
internal static class MissComparisonProbe
{
    private const int Width = 400;

    /// <summary>Misses of one copy of an original differ in width: 390 to 409.</summary>
    internal const int WidthsPerCopy = 20;
    // A server that cannot read an input (ipx and BMP) has no PSNR: NaN.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> RunAsync(MissComparisonSettings settings, string output, TextWriter log)
    {
        var folder = Directory.CreateTempSubdirectory("edgeimages-misses-").FullName;
        try
        {
            var inputs = PrepareInputs(folder, settings.Copies, settings.PhotoSet, log);
            var key = LoadTestData.KeyFor(1, out var hex);
            var edgeSettings = new Dictionary<string, string>
            {
                ["Signing:Keys:lt"] = hex,
                ["Signing:KeyTenants:lt"] = "*",
                ["Signing:ActiveKey"] = "lt",
                ["Originals:Path"] = folder,
                ["RateLimiting:PerClientPerSecond"] = "0",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            var servers = new List<Server>();
            await using var after = await EdgeBuild.StartAsync(EdgeBuild.Current, edgeSettings);
            servers.Add(new Server("edge", after.ProcessId, after.Address, (input, w, format, copy) => EdgePath(key, input, w, format, copy)));
            EdgeBuild? before = null;
            if (settings.BeforeAssembly is { } beforeAssembly)
            {
                before = await EdgeBuild.StartAsync(beforeAssembly, edgeSettings);
                servers.Add(new Server("edge before", before.ProcessId, before.Address, (input, w, format, copy) => EdgePath(key, input, w, format, copy)));
            }

            await using var ipx = await IpxServer.StartAsync(folder, log);
            servers.Add(new Server("ipx", ipx.ProcessId, ipx.Address, IpxPath));
            try
            {
                return await MeasureAsync(settings, inputs, servers, output, log);
            }
            finally
            {
                if (before is not null)
                {
                    await before.DisposeAsync();
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> MeasureAsync(MissComparisonSettings settings, List<Input> inputs, List<Server> servers, string output, TextWriter log)
    {
        var cases = new List<Case>
        {
            new("baseline 12 MP", "jpeg", [.. inputs.Where(i => i.Name == "baseline-12mp")]),
            new("baseline 12 MP", "webp", [.. inputs.Where(i => i.Name == "baseline-12mp")]),
            new("progressive 12 MP", "jpeg", [.. inputs.Where(i => i.Name == "progressive-12mp")]),
            new("progressive 12 MP", "webp", [.. inputs.Where(i => i.Name == "progressive-12mp")]),
            new("photo mix", "jpeg", [.. inputs.Where(i => i.Mix)]),
            new("photo mix", "webp", [.. inputs.Where(i => i.Mix)]),
            new("RGBA PNG", "webp", [.. inputs.Where(i => i.Name == "rgba-png")]),
        };
        if (settings.OnlyCase is { } only)
        {
            cases.RemoveAll(c => !c.Name.Contains(only, StringComparison.OrdinalIgnoreCase));
        }

        // Quality only: the photo set is not timed.
        var photoSet = inputs.Where(i => i.PhotoSet).ToList();
        var qualityCases = photoSet.Count == 0
            ? cases
            : [.. cases, new("photo set", "jpeg", photoSet), new("photo set", "webp", photoSet)];
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(120) };
        // Each case and server has its own sequence of misses: the k-th is width 390 + k % 20 of copy k / 20, so
        // none repeats within a server, the warm-up included.
        var sequences = new Dictionary<(Case, Server), int>();
        List<(Input Input, int Width, int Copy)> NextMisses(Case c, Server server, int count)
        {
            var start = sequences.GetValueOrDefault((c, server));
            sequences[(c, server)] = start + count;
            return [.. Enumerable.Range(start, count).Select(k =>
            {
                var (input, width, copy) = NthMiss(k, c.Inputs.Count);
                return (c.Inputs[input], width, copy);
            })];
        }

        // Warm-up, not counted: a server's first misses pay for JIT, library loading and thread pools. The edge's
        // tiered JIT recompiles ~3,400 method bodies in the background over its first ~150 misses (~2.4 s of CPU,
        // measured with DOTNET_JitStdOutFile and perf), which one miss per case used to leave inside rounds 1 and 2.
        // So each server gets batches of a round's size until it has had --warmup misses of the case and its last two
        // batches cost within 10 % of each other: the same rule for every server, and no knowledge of their runtimes.
        foreach (var c in cases)
        {
            foreach (var server in servers)
            {
                var costs = new List<double>();
                var failed = 0;
                do
                {
                    var batch = await MeasureBatchAsync(client, server, c, NextMisses(c, server, settings.Requests), settings.Connections);
                    costs.Add(batch.Cpu * 1000 / settings.Requests);
                    failed += batch.Failed;
                }
                while (!WarmedUp(costs, settings.Requests, settings.Warmup));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[misses] warm-up {c.Name} {server.Name}: {costs.Count} x {settings.Requests} misses, CPU ms/image {string.Join(", ", costs.Select(cost => cost.ToString("F1", CultureInfo.InvariantCulture)))}{(failed > 0 ? $", {failed} not 200" : "")}"));
            }
        }

        var results = new List<RoundResult>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var c in cases)
            {
                for (var s = 0; s < servers.Count; s++)
                {
                    var server = servers[(s + round) % servers.Count];
                    var batch = await MeasureBatchAsync(client, server, c, NextMisses(c, server, settings.Requests), settings.Connections);
                    results.Add(new RoundResult(round, c.Label, c.Format, server.Name, settings.Requests, batch.Failed, batch.Wall, batch.Cpu, batch.MinorFaults));
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[misses] round {round + 1} {c.Name} {server.Name}: {settings.Requests / batch.Wall:F1} req/s, {batch.Cpu * 1000 / settings.Requests:F1} CPU ms/image, {batch.MinorFaults / settings.Requests} minor faults/image{(batch.Failed > 0 ? $", {batch.Failed} not 200" : "")}"));
                }
            }
        }

        var quality = new List<QualityResult>();
        // Each server's w:400 outputs are kept, to compare the files themselves (markers, chunks, tables).
        var outputs = Path.Combine(output, "outputs");
        Directory.CreateDirectory(outputs);
        foreach (var c in qualityCases)
        {
            foreach (var input in c.Inputs)
            {
                var reference = Reference.Lanczos(input.Bytes, Width);
                foreach (var server in servers)
                {
                    var (status, body) = await FetchAsync(client, server, input, Width, c.Format, copy: 0);
                    var psnr = status == 200 ? Reference.Psnr(reference, body) : double.NaN;
                    quality.Add(new QualityResult(c.Label, c.Format, input.Name, server.Name, body.Length, Math.Round(psnr, 2)));
                    await File.WriteAllBytesAsync(Path.Combine(outputs, $"{server.Name.Replace(' ', '-')}.{input.Name}.{c.Format}"), body);
                }
            }
        }

        // Lossless outputs of the same resize: PSNR before any lossy encoder, to tell the resampler from the encoders.
        foreach (var input in inputs)
        {
            var reference = Reference.Lanczos(input.Bytes, Width);
            foreach (var server in servers)
            {
                var (status, body) = await FetchAsync(client, server, input, Width, "png", copy: 0);
                var psnr = status == 200 ? Reference.Psnr(reference, body) : double.NaN;
                quality.Add(new QualityResult("lossless", "png", input.Name, server.Name, body.Length, Math.Round(psnr, 2)));
                await File.WriteAllBytesAsync(Path.Combine(outputs, $"{server.Name.Replace(' ', '-')}.{input.Name}.png"), body);
            }
        }

        var report = Report(qualityCases, servers, results, quality, settings);
        log.WriteLine(report);
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "summary.json"), JsonSerializer.Serialize(new { settings, results, quality }, Indented));
        await File.WriteAllTextAsync(Path.Combine(output, "report.md"), report);
        return results.Any(r => r.Failed > 0) ? 1 : 0;
    }

    private static string Report(List<Case> cases, List<Server> servers, List<RoundResult> results, List<QualityResult> quality, MissComparisonSettings settings)
    {
        var text = new StringBuilder();
        var ipx = servers[^1].Name;
        text.AppendLine(CultureInfo.InvariantCulture, $"Misses over HTTP, {settings.Rounds} rounds x {settings.Requests} distinct misses per case and server after a warm-up (at least {settings.Warmup}, until two batches agree within 10 %), {settings.Connections} connections; load average at the end: {LoadAverage()}");
        text.AppendLine();
        text.Append("| case | output |");
        foreach (var server in servers)
        {
            text.Append(CultureInfo.InvariantCulture, $" {server.Name} req/s | {server.Name} CPU ms/img | {server.Name} faults/img |");
        }

        foreach (var server in servers.Take(servers.Count - 1))
        {
            text.Append(CultureInfo.InvariantCulture, $" {server.Name}/ipx throughput (min–max) | {server.Name}/ipx CPU (min–max) |");
        }

        text.AppendLine();
        text.Append("|---|---|").Append(string.Concat(Enumerable.Repeat("---:|", (servers.Count * 3) + ((servers.Count - 1) * 2)))).AppendLine();
        // --rounds 0 measures quality only, and the photo set is never timed.
        foreach (var c in cases.Where(c => results.Any(r => r.Case == c.Label && r.Format == c.Format)))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {c.Label} | {c.Format.ToUpperInvariant()} |");
            var mine = results.Where(r => r.Case == c.Label && r.Format == c.Format).ToList();
            foreach (var server in servers)
            {
                var rows = mine.Where(r => r.Server == server.Name).ToList();
                text.Append(CultureInfo.InvariantCulture, $" {Median(rows.Select(r => r.Count / r.Wall)):F1} | {Median(rows.Select(r => r.Cpu * 1000 / r.Count)):F1} | {Median(rows.Select(r => (double)r.MinorFaults / r.Count)):F0} |");
            }

            foreach (var server in servers.Take(servers.Count - 1))
            {
                var throughput = new List<double>();
                var cpu = new List<double>();
                for (var round = 0; round < settings.Rounds; round++)
                {
                    var a = mine.Single(r => r.Round == round && r.Server == server.Name);
                    var b = mine.Single(r => r.Round == round && r.Server == ipx);
                    throughput.Add(b.Wall / a.Wall * a.Count / b.Count);
                    cpu.Add(a.Cpu / a.Count / (b.Cpu / b.Count));
                }

                text.Append(CultureInfo.InvariantCulture, $" **{Median(throughput):F2}** ({throughput.Min():F2}–{throughput.Max():F2}) | **{Median(cpu):F2}** ({cpu.Min():F2}–{cpu.Max():F2}) |");
            }

            text.AppendLine();
        }

        text.AppendLine();
        text.AppendLine("Quality at w:400 (q:80): output bytes and PSNR (dB) against a Lanczos-3 reduction of the full-size original, alpha on grey:");
        text.AppendLine();
        text.Append("| case | output | input |");
        foreach (var server in servers)
        {
            text.Append(CultureInfo.InvariantCulture, $" {server.Name} bytes | {server.Name} PSNR |");
        }

        text.AppendLine();
        text.Append("|---|---|---|").Append(string.Concat(Enumerable.Repeat("---:|", servers.Count * 2))).AppendLine();
        foreach (var group in quality.GroupBy(q => (q.Case, q.Format, q.Input)))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {group.Key.Case} | {group.Key.Format.ToUpperInvariant()} | {group.Key.Input} |");
            foreach (var server in servers)
            {
                var q = group.Single(x => x.Server == server.Name);
                text.Append(CultureInfo.InvariantCulture, $" {q.Bytes} | {q.Psnr:F2} |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>
    /// The <paramref name="k"/>-th miss of a case on a server: which of its <paramref name="inputs"/>, the width
    /// (390 to 409) and the copy. Distinct for every k, so no miss of a case repeats on a server; copy k / 20.
    /// </summary>
    internal static (int Input, int Width, int Copy) NthMiss(int k, int inputs) =>
        (k % inputs, Width - 10 + (k % WidthsPerCopy), k / WidthsPerCopy);

    /// <summary>
    /// Whether a server has warmed up on a case, given the CPU per image of its warm-up batches so far: at least
    /// <paramref name="minimum"/> misses and the last two batches within 10 % of each other, or the most batches allowed.
    /// </summary>
    internal static bool WarmedUp(IReadOnlyList<double> costs, int batchSize, int minimum) =>
        costs.Count >= MissComparisonSettings.MaxWarmupBatches
        || (costs.Count * batchSize >= minimum && costs.Count >= 2 && Math.Abs(costs[^1] - costs[^2]) <= 0.1 * costs[^2]);

    /// <summary><paramref name="misses"/> sent to one server over <paramref name="connections"/> connections: wall time, and its process's CPU time and minor faults meanwhile.</summary>
    private static async Task<(double Wall, double Cpu, long MinorFaults, int Failed)> MeasureBatchAsync(HttpClient client, Server server, Case c, List<(Input Input, int Width, int Copy)> misses, int connections)
    {
        var cpuBefore = CpuSeconds(server.ProcessId);
        var faultsBefore = MinorFaults(server.ProcessId);
        var clock = Stopwatch.StartNew();
        var failed = 0;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < misses.Count)
            {
                var (input, width, copy) = misses[i];
                var (status, _) = await FetchAsync(client, server, input, width, c.Format, copy);
                if (status != 200)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        return (clock.Elapsed.TotalSeconds, CpuSeconds(server.ProcessId) - cpuBefore, MinorFaults(server.ProcessId) - faultsBefore, failed);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static async Task<(int Status, byte[] Body)> FetchAsync(HttpClient client, Server server, Input input, int width, string format, int copy)
    {
        using var response = await client.GetAsync(new Uri(server.Address, server.PathFor(input, width, format, copy)));
        var body = await response.Content.ReadAsByteArrayAsync();
        return ((int)response.StatusCode, body);
    }

    private static string EdgePath(SigningKey key, Input input, int width, string format, int copy) =>
        new ImageUrlBuilder(key).Build(
            new TransformOptions { Width = width, Format = format switch { "jpeg" => ImageFormat.Jpeg, "png" => ImageFormat.Png, _ => ImageFormat.Webp }, Quality = 80 },
            "bench", input.FileName(copy)).TrimStart('/');

    // No quality for PNG: ipx hands it to sharp, which then writes a palette PNG (lossy), and the lossless rows would
    // measure libimagequant instead of the resize.
    private static string IpxPath(Input input, int width, string format, int copy) => format == "png"
        ? string.Create(CultureInfo.InvariantCulture, $"w_{width},f_png/bench/{input.FileName(copy)}")
        : string.Create(CultureInfo.InvariantCulture, $"w_{width},f_{format},q_80/bench/{input.FileName(copy)}");

    /// <summary>utime + stime of a process, from /proc/PID/stat (clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var fields = StatFields(pid);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// Minor page faults of a process (minflt, /proc/PID/stat): memory the kernel had to map and zero for it, which
    /// shows as system CPU when an allocator hands freed memory back and takes it again for every image.
    /// </summary>
    private static long MinorFaults(int pid) => long.Parse(StatFields(pid)[7], CultureInfo.InvariantCulture);

    // The fields after the command name, which may hold spaces: state is [0], minflt [7], utime [11], stime [12].
    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>The originals, each copied <paramref name="copies"/> times under tenant <c>bench</c> so that neither side's caches ever answer.</summary>
    private static List<Input> PrepareInputs(string folder, int copies, bool photoSet, TextWriter log)
    {
        var images = RepositoryPaths.TestImages;
        var progressive = File.ReadAllBytes(Path.Combine(images, "photo-landscape-12mp.jpg"));
        var inputs = new List<Input>
        {
            new("baseline-12mp", "jpg", Baseline(progressive), Mix: false),
            new("progressive-12mp", "jpg", progressive, Mix: false),
            new("flower-3mp", "jpg", File.ReadAllBytes(Path.Combine(images, "photo-flower-3mp-baseline.jpg")), Mix: true),
            new("portrait-5mp", "jpg", File.ReadAllBytes(Path.Combine(images, "photo-portrait-5mp.jpg")), Mix: true),
            new("landscape-15mp", "jpg", File.ReadAllBytes(Path.Combine(images, "photo-landscape-15mp.jpg")), Mix: true),
            new("panorama-8mp", "jpg", File.ReadAllBytes(Path.Combine(images, "panorama-8000x1000.jpg")), Mix: true),
            new("rgba-png", "png", File.ReadAllBytes(Path.Combine(images, "png-rgba-photo.png")), Mix: false),
        };
        if (photoSet)
        {
            inputs.AddRange(PhotoSet.Select(file => new Input(Path.GetFileNameWithoutExtension(file), Path.GetExtension(file)[1..],
                File.ReadAllBytes(Path.Combine(images, file)), Mix: false, PhotoSet: true)));
        }

        Directory.CreateDirectory(Path.Combine(folder, "bench"));
        foreach (var input in inputs)
        {
            for (var copy = 0; copy < copies; copy++)
            {
                File.WriteAllBytes(Path.Combine(folder, "bench", input.FileName(copy)), input.Bytes);
            }
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[misses] {inputs.Count} originals x {copies} copies in {folder}"));
        return inputs;
    }

    /// <summary>The 12 MP progressive photo as a baseline JPEG q90 4:2:0 (Skia writes only baseline), as the single-thread benchmark derives it.</summary>
    private static byte[] Baseline(byte[] progressive)
    {
        using var bitmap = SKBitmap.Decode(progressive);
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(90, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore));
        return data?.ToArray() ?? throw new InvalidOperationException("Skia did not encode the baseline JPEG.");
    }

    private sealed record Server(string Name, int ProcessId, Uri Address, Func<Input, int, string, int, string> PathFor);

    /// <summary>Every photograph of the shared test images that is larger than the w:400 output (the 12 MP one is a case already).</summary>
    private static readonly string[] PhotoSet =
    [
        "bmp-24bit-photo.bmp", "exif-orientation-1.jpg", "exif-orientation-6.jpg", "jpeg-cmyk.jpg", "jpeg-grayscale.jpg",
        "jpeg-icc-adobe-rgb.jpg", "jpeg-icc-display-p3.jpg", "jpeg-progressive.jpg", "jpeg-subsampling-444.jpg",
        "png-grayscale-alpha-photo.png", "png-interlaced-photo.png", "webp-exif-orientation-6.webp", "webp-lossy.webp",
        "webp-lossy-alpha.webp",
    ];

    private sealed record Input(string Name, string Extension, byte[] Bytes, bool Mix, bool PhotoSet = false)
    {
        public string FileName(int copy) => string.Create(CultureInfo.InvariantCulture, $"{Name}-{copy}.{Extension}");
    }

    private sealed record Case(string Label, string Format, List<Input> Inputs)
    {
        /// <summary>As the log writes it: "baseline 12 MP -> webp".</summary>
        public string Name => $"{Label} -> {Format}";
    }

    private sealed record RoundResult(int Round, string Case, string Format, string Server, int Count, int Failed, double Wall, double Cpu, long MinorFaults);

    private sealed record QualityResult(string Case, string Format, string Input, string Server, int Bytes, double Psnr);
}

/// <summary>
/// How much to send: rounds, distinct misses per case and server each round, connections, the least warm-up; an older
/// build to measure beside this one, the photo set's quality, and which cases (null: all).
/// </summary>
internal sealed record MissComparisonSettings(int Rounds, int Requests, int Connections, int Warmup, string? BeforeAssembly, bool PhotoSet, string? OnlyCase)
{
    /// <summary>The warm-up stops after this many batches even when the costs have not settled.</summary>
    public const int MaxWarmupBatches = 10;

    /// <summary>Copies of each original under other names, enough that no miss of a case repeats on a server.</summary>
    public int Copies => Math.Max(1, (((MaxWarmupBatches + Rounds) * Requests) + MissComparisonProbe.WidthsPerCopy - 1) / MissComparisonProbe.WidthsPerCopy);
}
