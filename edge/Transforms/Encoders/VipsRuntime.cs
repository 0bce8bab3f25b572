using NetVips;

namespace EdgeImages.Edge.Transforms.Encoders;

/// <summary>
/// libvips is process-global: its worker pool and operation cache are set once, before the first encode. The edge
/// runs every transform on one slot of <see cref="TransformScheduler"/>, so libvips must not fan out behind the
/// scheduler's back (concurrency 1: one thread per encode, also handed to the AV1 encoder as its thread count), and
/// must not keep images of earlier requests alive (operation cache off: every request's pixels are new, so a cache
/// would only hold memory outside the budget).
/// </summary>
internal static class VipsRuntime
{
    private static readonly Lock Gate = new();
    private static bool configured;

    /// <summary>Configures libvips once; later calls return at once. Throws when the native library cannot load.</summary>
    public static void EnsureConfigured()
    {
        lock (Gate)
        {
            if (configured)
            {
                return;
            }

            if (!ModuleInitializer.VipsInitialized)
            {
                throw new InvalidOperationException("libvips could not be loaded.", ModuleInitializer.Exception);
            }

            NetVips.NetVips.Concurrency = 1;
            Cache.Max = 0;
            Cache.MaxMem = 0;
            Cache.MaxFiles = 0;

            // Only the encoders are used on the request path; loaders flagged untrusted (ImageMagick, MATLAB...) are
            // never reachable, not even by a test that decodes an output.
            NetVips.NetVips.BlockUntrusted = true;
            configured = true;
        }
    }

    /// <summary>The libvips version, for the start-up log.</summary>
    public static string Version => $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}";
}
