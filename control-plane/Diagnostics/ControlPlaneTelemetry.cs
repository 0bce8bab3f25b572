using EdgeImages.Telemetry;

namespace EdgeImages.ControlPlane.Diagnostics;

/// <summary>What the control plane adds to the shared telemetry: its meter. Its paths carry no secrets, so they stay as they are.</summary>
internal static class ControlPlaneTelemetry
{
    public const string ServiceName = "control-plane";

    public static void Configure(TelemetrySetup setup) => setup.Meters.Add(ControlPlaneMetrics.MeterName);
}
