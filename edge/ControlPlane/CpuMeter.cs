using System.Diagnostics;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>This process's CPU use since the last sample, as a fraction of the machine's cores (the registration's load).</summary>
internal sealed class CpuMeter(TimeProvider time)
{
    private TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _at = time.GetTimestamp();

    public double Sample()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var elapsed = time.GetElapsedTime(_at);
        var load = elapsed > TimeSpan.Zero ? (cpu - _cpu) / elapsed / Environment.ProcessorCount : 0;
        (_cpu, _at) = (cpu, time.GetTimestamp());
        // Coarse on purpose: the registration is rewritten only when something in it changes.
        return Math.Round(Math.Clamp(load, 0, 1) * 10) / 10;
    }
}
