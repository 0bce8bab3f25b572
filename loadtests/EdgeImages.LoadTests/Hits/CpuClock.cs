using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeImages.LoadTests.Hits;

/// <summary>
/// CPU time as the kernel counts it: a running process's user + system time from <c>/proc/PID/stat</c> (fields 14
/// and 15, in clock ticks of 1/100 s on Linux), and the time of this process's reaped children from
/// <c>getrusage(RUSAGE_CHILDREN)</c>, which is how a load generator's CPU is read once it has exited.
/// </summary>
internal static partial class CpuClock
{
    // USER_HZ: 100 on every Linux architecture .NET runs on (sysconf(_SC_CLK_TCK)).
    private const double TicksPerSecond = 100;
    private const int RusageChildren = -1;

    /// <summary>User + system seconds the process has used so far, all threads.</summary>
    public static double ProcessSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>User + system seconds of every child this process has waited for.</summary>
    public static double ReapedChildrenSeconds()
    {
        if (GetRusage(RusageChildren, out var usage) != 0)
        {
            return double.NaN;
        }

        return usage.UserSeconds + (usage.UserMicroseconds / 1e6) + usage.SystemSeconds + (usage.SystemMicroseconds / 1e6);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    // struct rusage on 64-bit Linux: two timevals, then fourteen longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }
}
