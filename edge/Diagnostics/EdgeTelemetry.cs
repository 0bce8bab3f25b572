using EdgeImages.Telemetry;

namespace EdgeImages.Edge.Diagnostics;

/// <summary>What the edge adds to the shared telemetry: its meter, and spans that never carry a URL signature.</summary>
internal static class EdgeTelemetry
{
    public const string ServiceName = "edge";

    public static void Configure(TelemetrySetup setup)
    {
        setup.Meters.Add(EdgeMetrics.MeterName);
        // Polly's meter: resilience_polly_strategy_events_total says which pipeline retried, timed out or broke.
        setup.Meters.Add("Polly");
        setup.RedactPath = RedactSignature;
        // A hit costs about as much as a span: only the requests kept at the head, misses and errors get one.
        setup.DeferServerSpans = true;
        // In-flight image requests are not what saturates an edge: the transform queue (queue depth, shed) is.
        setup.OmitActiveRequests = true;
    }

    /// <summary>
    /// <c>/{signature}/{options}/{tenant}/{path}</c> becomes <c>/-/{options}/{tenant}/{path}</c>: the signature is a
    /// bearer credential for that one URL, and spans travel to collectors that anyone on call can read.
    /// </summary>
    internal static string RedactSignature(string path)
    {
        var span = path.AsSpan();
        if (span.Length < 2 || span[0] != '/')
        {
            return path;
        }

        var end = span[1..].IndexOf('/');
        return end < 0 ? "/-" : string.Concat("/-", span[(end + 1)..]);
    }
}
