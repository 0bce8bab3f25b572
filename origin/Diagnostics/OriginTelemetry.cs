using EdgeImages.Telemetry;

namespace EdgeImages.Origin.Diagnostics;

/// <summary>What the origin adds to the shared telemetry: Npgsql's own meter (pool usage, command durations).</summary>
internal static class OriginTelemetry
{
    public const string ServiceName = "origin";

    public static void Configure(TelemetrySetup setup)
    {
        setup.Meters.Add("Npgsql");
        setup.ActivitySources.Add("Npgsql");
    }
}
