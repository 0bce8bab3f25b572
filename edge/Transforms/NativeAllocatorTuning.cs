using System.Runtime.InteropServices;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Makes glibc give decode buffers back to the system when Skia frees them, so that resident memory follows the
/// memory budget. By default glibc raises its mmap threshold to the size of the largest block freed (up to 32 MB)
/// and keeps an arena per thread: after a few decodes, bitmaps of several megabytes come from arenas that are
/// never returned: a flood measured 644–677 MiB resident against a 256 MiB budget, and 358 MiB with this.
/// The cost is an mmap and munmap per buffer of 1 MiB or more, small beside decoding it. Below that, an arena keeps up
/// to 8 MiB free at its top instead of 128 KiB: a thumbnail's decode and resize bitmaps (750 and 480 KB for a 12 MP
/// photo at w:400) were given back to the system when freed and faulted in again, 250 page faults every miss; with the
/// two arenas that is at most 16 MiB resident more.
/// </summary>
internal sealed class NativeAllocatorTuning : IHostedService
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int ArenaMax = -8; // M_ARENA_MAX
    private const int TrimThreshold = -1; // M_TRIM_THRESHOLD

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // A fixed threshold also turns glibc's dynamic adjustment off; two arenas keep small blocks packed, and
                // each keeps what the next thumbnail will ask for again.
                _ = Mallopt(MmapThreshold, 1024 * 1024);
                _ = Mallopt(ArenaMax, 2);
                _ = Mallopt(TrimThreshold, 8 * 1024 * 1024);
            }
            catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (musl has no such knobs): nothing to tune.
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // DllImport rather than LibraryImport, which would need unsafe code in the whole project for two ints.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern int Mallopt(int parameter, int value);
#pragma warning restore SYSLIB1054
}
