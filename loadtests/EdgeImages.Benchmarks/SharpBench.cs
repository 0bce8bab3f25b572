using System.Diagnostics;
using System.Text.Json;

namespace EdgeImages.Benchmarks;

/// <summary>What loadtests/sharp-bench/bench.mjs measured.</summary>
internal sealed record SharpReport(string SharpVersion, string LibvipsVersion, string NodeVersion, IReadOnlyDictionary<(InputKind, OutputFormat), double> CpuMsPerImage, IReadOnlyDictionary<(InputKind, OutputFormat), int> OutputBytes)
{
    public double? CpuMs(InputKind input, OutputFormat format) =>
        CpuMsPerImage.TryGetValue((input, format), out var ms) ? ms : null;

    public int? Bytes(InputKind input, OutputFormat format) =>
        OutputBytes.TryGetValue((input, format), out var bytes) ? bytes : null;
}

/// <summary>Runs the sharp side on the same files, after this process has finished its own measurements.</summary>
internal static class SharpBench
{
    public static SharpReport? Run(IReadOnlyList<BenchInput> inputs, CompareSettings settings, string outputDir)
    {
        var dir = BenchPaths.SharpBenchDir;
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "sharp")))
        {
            CompareCommand.Progress("sharp: node_modules missing, running npm ci");
            if (!TryRun("npm", dir, ["ci", "--no-audit", "--no-fund"], captureOutput: false, out _))
            {
                CompareCommand.Progress("sharp: npm ci failed; sharp column left empty");
                return null;
            }
        }

        var arguments = new List<string> { "bench.mjs" };
        foreach (var input in inputs)
        {
            arguments.Add("--input");
            arguments.Add($"{input.Kind.ToString().ToLowerInvariant()}={input.Path}");
        }

        arguments.AddRange([
            "--warmup", settings.Warmup.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--rounds", settings.Rounds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--iterations", settings.Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--width", SkiaTransforms.TargetWidth.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--quality", SkiaTransforms.Quality.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", outputDir,
        ]);

        CompareCommand.Progress("sharp: running node loadtests/sharp-bench/bench.mjs");
        if (!TryRun("node", dir, arguments, captureOutput: true, out var json))
        {
            CompareCommand.Progress("sharp: bench.mjs failed; sharp column left empty");
            return null;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var results = new Dictionary<(InputKind, OutputFormat), double>();
        var sizes = new Dictionary<(InputKind, OutputFormat), int>();
        foreach (var result in root.GetProperty("results").EnumerateArray())
        {
            var input = Enum.Parse<InputKind>(result.GetProperty("input").GetString()!, ignoreCase: true);
            var format = Enum.Parse<OutputFormat>(result.GetProperty("format").GetString()!, ignoreCase: true);
            results[(input, format)] = result.GetProperty("cpuMsPerImage").GetDouble();
            sizes[(input, format)] = result.GetProperty("outputBytes").GetInt32();
        }

        return new SharpReport(
            root.GetProperty("sharp").GetString() ?? "?",
            root.GetProperty("libvips").GetString() ?? "?",
            root.GetProperty("node").GetString() ?? "?",
            results,
            sizes);
    }

    private static bool TryRun(string fileName, string workingDirectory, IEnumerable<string> arguments, bool captureOutput, out string output)
    {
        // stderr is not redirected: the child's progress lines show up as it runs.
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = captureOutput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        output = "";
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return false;
            }

            if (captureOutput)
            {
                output = process.StandardOutput.ReadToEnd();
            }

            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // The program is not installed.
            CompareCommand.Progress($"{fileName}: {e.Message}");
            return false;
        }
    }
}
