namespace EdgeImages.Edge.Transforms.Jpeg;

/// <summary>
/// Says once, at start-up, which native JPEG decoders this edge found, so that an edge quietly running on Skia's
/// slower decoder (a missing package) shows in its log rather than only in its CPU graphs.
/// </summary>
internal sealed partial class NativeJpegStartup(NativeJpeg jpeg, Microsoft.Extensions.Options.IOptions<TransformLimits> limits, ILogger<NativeJpegStartup> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!limits.Value.NativeJpeg)
        {
            Log.SwitchedOff(logger);
        }
        else
        {
            if (jpeg.HasTurboJpeg)
            {
                Log.TurboJpegLoaded(logger, NativeJpeg.TurboJpegLibrary);
            }
            else
            {
                Log.TurboJpegMissing(logger, NativeJpeg.TurboJpegLibrary);
            }

            if (!jpeg.HasDcOnly)
            {
                Log.DcOnlyMissing(logger, NativeJpeg.ShimLibrary);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "JPEGs decoded by {Library} (libjpeg-turbo, SIMD)")]
        public static partial void TurboJpegLoaded(ILogger logger, string library);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Library} not found (Debian package libturbojpeg0): JPEGs are decoded by Skia, about 1.4x slower at 1/8 scale and 3x at full size")]
        public static partial void TurboJpegMissing(ILogger logger, string library);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Library} not found (built by edge/Native/build.sh): progressive JPEGs are decoded whole even for thumbnails, and JPEGs are written by Skia (baseline, about 2.5 % larger at the same quality)")]
        public static partial void DcOnlyMissing(ILogger logger, string library);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Native JPEG decoding switched off (Transforms:NativeJpeg=false): Skia decodes every JPEG")]
        public static partial void SwitchedOff(ILogger logger);
    }
}
