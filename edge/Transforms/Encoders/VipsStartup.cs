namespace EdgeImages.Edge.Transforms.Encoders;

/// <summary>
/// Configures libvips when the host starts, so a missing native library stops the edge at start-up instead of
/// failing the first AVIF request, and the first encode does not pay for loading it.
/// </summary>
internal sealed partial class VipsStartup(ILogger<VipsStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        VipsRuntime.EnsureConfigured();
        Log.Configured(logger, VipsRuntime.Version);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "libvips {Version} ready: concurrency 1, operation cache off")]
        public static partial void Configured(ILogger logger, string version);
    }
}
