using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using SkiaSharp;

namespace EdgeImages.Benchmarks;

/// <summary>
/// The side-by-side run: prepares the inputs, measures the three .NET pipelines in this process on
/// one thread, runs the sharp bench on the same files, and prints one table of CPU milliseconds per
/// image with the ratios the issue asks for. It is a plain timed loop, not BenchmarkDotNet: both
/// sides are measured the same simple way (process CPU time over N images after warm-up, median of
/// several rounds), which is what makes the edge/sharp ratio fair.
/// </summary>
internal static class CompareCommand
{
    public static int Run(CompareSettings settings)
    {
        var clock = Stopwatch.StartNew();
        PrintHeader(settings);

        Progress("preparing inputs");
        var inputs = new[] { BenchInputs.Load(InputKind.Baseline), BenchInputs.Load(InputKind.Progressive) };
        foreach (var input in inputs)
        {
            var scan = BenchInputs.IsProgressiveJpeg(input.Bytes) ? "progressive" : "baseline";
            Console.WriteLine($"input {input.Kind,-11} {input.Width}x{input.Height} {scan,-11} {input.Bytes.Length,9:N0} B  sha256 {input.Sha256[..16]}  {input.Path}");
        }

        Console.WriteLine($"  (the baseline input is derived at start-up: the progressive photo decoded by Skia and re-encoded as baseline JPEG q90 4:2:0)");

        var edge = new EdgeTransform(new ProcessCpuTimeProvider());
        var rows = new List<Row>();
        foreach (var input in inputs)
        {
            foreach (var format in Enum.GetValues<OutputFormat>())
            {
                var label = $"{input.Kind} -> {format}";
                var full = MeasureSteps(input.Bytes, format, scaleToWidth: null, settings);
                Progress($"{label}: full decode     {full.Total,7:F1} CPU ms/image");
                var shrink = MeasureSteps(input.Bytes, format, scaleToWidth: SkiaTransforms.TargetWidth, settings);
                Progress($"{label}: shrink-on-load  {shrink.Total,7:F1} CPU ms/image");
                var edgeSteps = MeasureEdge(edge, input.Bytes, format, settings);
                Progress($"{label}: edge transform  {edgeSteps.Total,7:F1} CPU ms/image");
                full = full with { OutputBytes = WriteSample(input.Kind, format, "full-decode", SkiaTransforms.FullDecode(input.Bytes, format)) };
                shrink = shrink with { OutputBytes = WriteSample(input.Kind, format, "shrink-on-load", SkiaTransforms.ShrinkOnLoad(input.Bytes, format)) };
                edgeSteps = edgeSteps with { OutputBytes = WriteSample(input.Kind, format, "edge", edge.Run(input.Bytes, format).Output) };
                rows.Add(new Row(input.Kind, format, full, shrink, edgeSteps));
            }
        }

        Progress($"one output of each pipeline (and of sharp) written to {OutputDir}");
        var sharp = settings.RunSharp ? SharpBench.Run(inputs, settings, OutputDir) : null;

        Console.WriteLine();
        Console.WriteLine(RenderTable(rows, sharp));
        Console.WriteLine(RenderSteps(rows, sharp));
        Console.WriteLine(RenderVerdict(rows, sharp));
        Progress($"done in {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    /// <summary>
    /// CPU ms per image of the edge's whole transform (median over rounds of the mean of a round), with
    /// its decode, transform and encode phases as the edge itself reports them, timed on the CPU clock.
    /// </summary>
    private static StepTimes MeasureEdge(EdgeTransform edge, byte[] source, OutputFormat format, CompareSettings settings)
    {
        for (var i = 0; i < settings.Warmup; i++)
        {
            edge.Run(source, format);
        }

        GC.Collect();
        var total = new double[settings.Rounds];
        var decode = new double[settings.Rounds];
        var transform = new double[settings.Rounds];
        var encode = new double[settings.Rounds];
        for (var r = 0; r < settings.Rounds; r++)
        {
            var before = Environment.CpuUsage.TotalTime;
            for (var i = 0; i < settings.Iterations; i++)
            {
                var phases = edge.Run(source, format);
                decode[r] += phases.Decode.TotalMilliseconds / settings.Iterations;
                transform[r] += phases.Transform.TotalMilliseconds / settings.Iterations;
                encode[r] += phases.Encode.TotalMilliseconds / settings.Iterations;
            }

            total[r] = (Environment.CpuUsage.TotalTime - before).TotalMilliseconds / settings.Iterations;
        }

        return new StepTimes(Median(decode), Median(transform), Median(encode), Median(total));
    }

    private static string OutputDir => Path.Combine(BenchPaths.ArtifactsDir, "outputs");

    /// <summary>Keeps one output per pipeline to look at; returns its size.</summary>
    private static int WriteSample(InputKind input, OutputFormat format, string pipeline, byte[] encoded)
    {
        Directory.CreateDirectory(OutputDir);
        var name = Invariant($"{input.ToString().ToLowerInvariant()}-{pipeline}.{format.ToString().ToLowerInvariant()}");
        File.WriteAllBytes(Path.Combine(OutputDir, name), encoded);
        return encoded.Length;
    }

    private static int WriteSample(InputKind input, OutputFormat format, string pipeline, SKData encoded)
    {
        using (encoded)
        {
            return WriteSample(input, format, pipeline, encoded.ToArray());
        }
    }

    /// <summary>CPU ms per image of a reference pipeline, timing decode, resize and encode apart.</summary>
    private static StepTimes MeasureSteps(byte[] source, OutputFormat format, int? scaleToWidth, CompareSettings settings)
    {
        for (var i = 0; i < settings.Warmup; i++)
        {
            RunSteps(source, format, scaleToWidth, out _, out _, out _);
        }

        GC.Collect();
        var decode = new double[settings.Rounds];
        var resize = new double[settings.Rounds];
        var encode = new double[settings.Rounds];
        var total = new double[settings.Rounds];
        for (var r = 0; r < settings.Rounds; r++)
        {
            for (var i = 0; i < settings.Iterations; i++)
            {
                RunSteps(source, format, scaleToWidth, out var d, out var z, out var e);
                decode[r] += d.TotalMilliseconds / settings.Iterations;
                resize[r] += z.TotalMilliseconds / settings.Iterations;
                encode[r] += e.TotalMilliseconds / settings.Iterations;
            }

            total[r] = decode[r] + resize[r] + encode[r];
        }

        return new StepTimes(Median(decode), Median(resize), Median(encode), Median(total));
    }

    private static void RunSteps(byte[] source, OutputFormat format, int? scaleToWidth, out TimeSpan decode, out TimeSpan resize, out TimeSpan encode)
    {
        // Reading the process CPU clock is one getrusage call, about a microsecond: noise next to a
        // step of milliseconds.
        var t0 = Environment.CpuUsage.TotalTime;
        using var decoded = SkiaTransforms.Decode(source, scaleToWidth);
        var t1 = Environment.CpuUsage.TotalTime;
        using var resized = SkiaTransforms.Resize(decoded, SkiaTransforms.TargetWidth);
        var t2 = Environment.CpuUsage.TotalTime;
        using var encoded = SkiaTransforms.Encode(resized, format);
        var t3 = Environment.CpuUsage.TotalTime;
        (decode, resize, encode) = (t1 - t0, t2 - t1, t3 - t2);
    }

    private static string RenderTable(List<Row> rows, SharpReport? sharp)
    {
        var table = new StringBuilder();
        table.AppendLine("CPU ms per image, one thread, 12 MP (3984x2988) -> 400 px wide, q80; median of rounds. Lower is better.");
        table.AppendLine();
        table.AppendLine("| input | output | full decode | shrink-on-load | edge transform | sharp | full / shrink | edge / sharp | shrink / sharp |");
        table.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var sharpMs = sharp?.CpuMs(row.Input, row.Format);
            table.AppendLine(Invariant(
                $"| {row.Input.ToString().ToLowerInvariant()} | {row.Format.ToString().ToUpperInvariant()} | {row.Full.Total:F1} | {row.Shrink.Total:F1} | {row.Edge.Total:F1} | {Ms(sharpMs)} | {Ratio(row.Full.Total, row.Shrink.Total)} | {Ratio(row.Edge.Total, sharpMs)} | {Ratio(row.Shrink.Total, sharpMs)} |"));
        }

        if (sharp is not null)
        {
            table.AppendLine();
            table.AppendLine($"sharp {sharp.SharpVersion} (libvips {sharp.LibvipsVersion}, node {sharp.NodeVersion}), concurrency 1, cache off, default lanczos3 + shrink-on-load.");
        }

        return table.ToString();
    }

    private static string RenderSteps(List<Row> rows, SharpReport? sharp)
    {
        var table = new StringBuilder();
        table.AppendLine("Where each pipeline spends it (CPU ms per image, median of rounds). For the edge, its own three phases:");
        table.AppendLine("decode = probe + plan + decode; resize = the whole transform phase (orient ... resize ... flatten).");
        table.AppendLine();
        table.AppendLine("| input | output | pipeline | decode | resize | encode | total | output bytes |");
        table.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            foreach (var (name, steps) in new[] { ("full decode", row.Full), ("shrink-on-load", row.Shrink), ("edge transform", row.Edge) })
            {

                table.AppendLine(Invariant(
                    $"| {row.Input.ToString().ToLowerInvariant()} | {row.Format.ToString().ToUpperInvariant()} | {name} | {steps.Decode:F1} | {steps.Resize:F1} | {steps.Encode:F1} | {steps.Total:F1} | {steps.OutputBytes} |"));
            }

            if (sharp?.CpuMs(row.Input, row.Format) is { } sharpMs)
            {
                table.AppendLine(Invariant(
                    $"| {row.Input.ToString().ToLowerInvariant()} | {row.Format.ToString().ToUpperInvariant()} | sharp | | | | {sharpMs:F1} | {sharp.Bytes(row.Input, row.Format)} |"));
            }
        }

        return table.ToString();
    }

    private static string RenderVerdict(List<Row> rows, SharpReport? sharp)
    {
        var text = new StringBuilder();
        foreach (var row in rows.Where(r => r.Input == InputKind.Baseline))
        {
            var ratio = row.Full.Total / row.Shrink.Total;
            text.AppendLine(Invariant($"shrink-on-load vs full decode, baseline -> {row.Format}: {ratio:F2}x cheaper ({(ratio >= 3 ? "meets" : "MISSES")} the 3x bar)"));
        }

        foreach (var row in rows)
        {
            var sharpMs = sharp?.CpuMs(row.Input, row.Format);
            if (sharpMs is not { } s)
            {
                continue;
            }

            var ratio = row.Edge.Total / s;
            var verdict = ratio <= 0.8 ? "meets the 1.25x-cheaper goal" : ratio <= 1 ? "at or below sharp" : "SLOWER than sharp";
            text.AppendLine(Invariant($"edge vs sharp, {row.Input} -> {row.Format}: {ratio:F2} ({verdict})"));
        }

        return text.ToString();
    }

    private static void PrintHeader(CompareSettings settings)
    {
        var skia = typeof(SKCodec).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        Console.WriteLine($"EdgeImages transform benchmark: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, SkiaSharp {skia.Split('+')[0]}");
        Console.WriteLine($"cpu: {CpuModel()}, {Environment.ProcessorCount} logical; GC: {(GCSettings.IsServerGC ? "server" : "workstation")}; one thread");
        Console.WriteLine($"each case: {settings.Warmup} warm-up, then {settings.Rounds} rounds of {settings.Iterations} images; CPU = process user+kernel time (Environment.CpuUsage / process.cpuUsage())");
    }

    private static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo))
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }

        var line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    internal static void Progress(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Ms(double? value) => value is { } v ? Invariant($"{v:F1}") : "n/a";

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 ? Invariant($"{n / d:F2}") : "n/a";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Row(InputKind Input, OutputFormat Format, StepTimes Full, StepTimes Shrink, StepTimes Edge);

    private sealed record StepTimes(double Decode, double Resize, double Encode, double Total, int OutputBytes = 0);
}

/// <summary>How many images each case runs, and whether to run sharp.</summary>
internal sealed record CompareSettings(int Warmup, int Rounds, int Iterations, bool RunSharp)
{
    /// <summary>Sized so that the whole run, sharp included, takes about two minutes on two cores.</summary>
    public static CompareSettings Default { get; } = new(Warmup: 2, Rounds: 5, Iterations: 4, RunSharp: true);
}
