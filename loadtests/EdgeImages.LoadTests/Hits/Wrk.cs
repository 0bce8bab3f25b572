using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeImages.LoadTests.Hits;

/// <summary>One wrk run's figures: its rate, latency percentiles, non-2xx/3xx count and its own CPU time.</summary>
internal sealed record WrkResult(long Requests, double Seconds, double RequestsPerSecond, double BytesPerSecond, double P50Ms, double P99Ms, long Errors, double ClientCpuSeconds)
{
    public double BytesPerRequest => RequestsPerSecond > 0 ? BytesPerSecond / RequestsPerSecond : 0;
}

/// <summary>What to point wrk at: one URL, or several rotated by a Lua script, with the Accept header each asks with.</summary>
internal sealed record WrkTarget(Uri Server, IReadOnlyList<(string Path, string Accept)> Requests);

/// <summary>
/// wrk (the Debian package <c>wrk</c>), a C load generator with an event loop per thread, so that it is the server and
/// not the generator that sets the rate. Optionally pinned to CPUs with <c>taskset</c>. Its CPU time is read after it
/// exits from <see cref="CpuClock.ReapedChildrenSeconds"/>.
/// </summary>
internal static partial class Wrk
{
    public const string Binary = "/usr/bin/wrk";

    public static bool IsInstalled => File.Exists(Binary);

    public static async Task<WrkResult> RunAsync(WrkTarget target, int threads, int connections, TimeSpan duration, string? cpus, string scriptFolder, CancellationToken cancellationToken)
    {
        var arguments = new List<string>
        {
            "-t", threads.ToString(CultureInfo.InvariantCulture),
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)duration.TotalSeconds}s",
            "--timeout", "10s",
            "--latency",
        };
        string url;
        if (target.Requests.Count == 1)
        {
            arguments.AddRange(["-H", $"Accept: {target.Requests[0].Accept}"]);
            url = new Uri(target.Server, target.Requests[0].Path).ToString();
        }
        else
        {
            arguments.AddRange(["-s", WriteRotation(target, scriptFolder)]);
            url = target.Server.ToString();
        }

        arguments.Add(url);
        var (file, all) = cpus is null ? (Binary, arguments) : ("taskset", ["-c", cpus, Binary, .. arguments]);
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in all)
        {
            start.ArgumentList.Add(argument);
        }

        var before = CpuClock.ReapedChildrenSeconds();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited with {process.ExitCode}: {text}{await error}");
        }

        return Parse(text, CpuClock.ReapedChildrenSeconds() - before);
    }

    internal static WrkResult Parse(string output, double clientCpuSeconds)
    {
        var totals = Totals().Match(output);
        if (!totals.Success)
        {
            throw new InvalidOperationException($"wrk printed no totals:\n{output}");
        }

        var requests = long.Parse(totals.Groups["n"].Value, CultureInfo.InvariantCulture);
        var seconds = Duration(totals.Groups["d"].Value) / 1000;
        var rate = double.Parse(Rate().Match(output).Groups["r"].Value, CultureInfo.InvariantCulture);
        var transfer = Transfer().Match(output);
        var bytesPerSecond = double.Parse(transfer.Groups["v"].Value, CultureInfo.InvariantCulture) * transfer.Groups["u"].Value switch
        {
            "KB" => 1024,
            "MB" => 1024 * 1024,
            "GB" => 1024.0 * 1024 * 1024,
            _ => 1,
        };
        var errors = NonSuccess().Match(output) is { Success: true } nonSuccess ? long.Parse(nonSuccess.Groups["n"].Value, CultureInfo.InvariantCulture) : 0;
        var socketErrors = SocketErrors().Match(output);
        if (socketErrors.Success)
        {
            errors += socketErrors.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture));
        }

        return new WrkResult(requests, seconds, rate, bytesPerSecond, Percentile(output, "50%"), Percentile(output, "99%"), errors, clientCpuSeconds);
    }

    private static double Percentile(string output, string which)
    {
        var match = Regex.Match(output, $@"^\s+{Regex.Escape(which)}\s+(?<v>[\d.]+(?:us|ms|s|m))\s*$", RegexOptions.Multiline);
        return match.Success ? Duration(match.Groups["v"].Value) : double.NaN;
    }

    /// <summary>wrk's durations ("812.00us", "3.45ms", "1.02s", "10.00s") in milliseconds.</summary>
    private static double Duration(string value)
    {
        var number = value.TrimEnd('u', 'm', 's');
        var amount = double.Parse(number, CultureInfo.InvariantCulture);
        return value switch
        {
            _ when value.EndsWith("us", StringComparison.Ordinal) => amount / 1000,
            _ when value.EndsWith("ms", StringComparison.Ordinal) => amount,
            _ when value.EndsWith('m') => amount * 60_000,
            _ => amount * 1000,
        };
    }

    /// <summary>A Lua script that rotates through the target's requests, each with its own Accept.</summary>
    private static string WriteRotation(WrkTarget target, string folder)
    {
        var lua = new StringBuilder("local requests = {\n");
        foreach (var (path, accept) in target.Requests)
        {
            lua.Append(CultureInfo.InvariantCulture, $"  {{ \"{path}\", \"{accept}\" }},\n");
        }

        lua.Append("""
            }
            local i = 0
            request = function()
              i = i % #requests + 1
              return wrk.format("GET", requests[i][1], { ["Accept"] = requests[i][2] })
            end
            """);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "rotate.lua");
        File.WriteAllText(file, lua.ToString());
        return file;
    }

    [GeneratedRegex(@"(?<n>\d+) requests in (?<d>[\d.]+(?:us|ms|s|m)),")]
    private static partial Regex Totals();

    [GeneratedRegex(@"Requests/sec:\s+(?<r>[\d.]+)")]
    private static partial Regex Rate();

    [GeneratedRegex(@"Transfer/sec:\s+(?<v>[\d.]+)(?<u>B|KB|MB|GB)")]
    private static partial Regex Transfer();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (?<n>\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
