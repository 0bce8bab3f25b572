namespace EdgeImages.Edge.Transforms.Encoders;

/// <summary>
/// Says once, at start-up, whether this edge writes WebP with the shim on the system's libwebp, so that an edge
/// quietly running on the slower encoders (the shim not built, libwebp7 missing) shows in its log.
/// </summary>
internal sealed partial class NativeWebpStartup(NativeWebp webp, Microsoft.Extensions.Options.IOptions<TransformLimits> limits, ILogger<NativeWebpStartup> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!limits.Value.NativeWebp)
        {
            Log.SwitchedOff(logger);
        }
        else if (webp.IsLoaded)
        {
            Log.Loaded(logger, NativeWebp.ShimLibrary);
        }
        else
        {
            Log.Missing(logger, NativeWebp.ShimLibrary);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "WebP encoded by {Library} (the system's libwebp with SIMD: Skia's output at less CPU)")]
        public static partial void Loaded(ILogger logger, string library);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Library} not found or libwebp7 missing (built by edge/Native/build.sh with libwebp-dev): opaque WebP is encoded by Skia and WebP with alpha by libvips, at more CPU per image")]
        public static partial void Missing(ILogger logger, string library);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Native WebP encoding switched off (Transforms:NativeWebp=false): Skia and libvips encode WebP")]
        public static partial void SwitchedOff(ILogger logger);
    }
}
