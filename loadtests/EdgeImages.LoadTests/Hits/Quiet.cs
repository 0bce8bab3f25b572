namespace EdgeImages.LoadTests.Hits;

/// <summary>
/// Waits until every server process of the benchmark is idle, so that no run pays for the one before it. The servers
/// share one core; a process that has just been loaded goes on for a while (the server GC's background work, the
/// JIT's tier-1 compiles, a Redis edge's connection and buffer upkeep), and whatever it uses is taken from the next
/// target. Quiet is under <see cref="IdleCores"/> of a core for all of them together over <see cref="Window"/>.
/// </summary>
internal static class Quiet
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    // Two clock ticks (1/100 s) in a half-second window: the resolution of /proc's CPU times, about an idle Kestrel's timers.
    private const double IdleCores = 0.04;

    /// <summary>Seconds waited, and the CPU (cores) the servers used in the last window measured.</summary>
    internal readonly record struct Result(double Seconds, double LastCores);

    public static async Task<Result> WaitAsync(IReadOnlyList<int> servers, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cores = double.NaN;
        while (clock.Elapsed < timeout)
        {
            var before = servers.Sum(CpuClock.ProcessSeconds);
            await Task.Delay(Window);
            cores = (servers.Sum(CpuClock.ProcessSeconds) - before) / Window.TotalSeconds;
            if (cores < IdleCores)
            {
                break;
            }
        }

        return new Result(clock.Elapsed.TotalSeconds, cores);
    }
}
