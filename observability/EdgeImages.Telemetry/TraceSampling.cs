using System.Diagnostics;
using OpenTelemetry.Trace;

namespace EdgeImages.Telemetry;

/// <summary>
/// Head sampling that can still keep a trace at the tail: parent-based, new traces kept at a ratio of their trace id,
/// and what is not kept is recorded anyway (<see cref="SamplingDecision.RecordOnly"/>: the span exists, carries its
/// trace id to the logs and its context to the origin, but is not exported), so that <see cref="Keep"/> can still
/// mark it sampled once the request turns out to be a miss or an error. The trade: with ASP.NET Core's server spans,
/// every request still builds its span and tags, and only export is saved for the hits not kept; a service that
/// defers its server spans (<see cref="TelemetrySetup.DeferServerSpans"/>) makes none for them at all.
/// </summary>
public sealed class KeepableSampler : Sampler
{
    private readonly Sampler _head;

    public KeepableSampler(double ratio)
    {
        Ratio = ratio;
        _head = new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));
        Description = $"KeepableSampler{{ParentBased{{TraceIdRatioBased{{{ratio}}}}}}}";
    }

    public double Ratio { get; }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var head = _head.ShouldSample(samplingParameters);
        return head.Decision == SamplingDecision.Drop ? new SamplingResult(SamplingDecision.RecordOnly) : head;
    }

    /// <summary>
    /// Marks the span sampled, so that it is exported and the spans and requests it starts from now on carry the
    /// sampled flag. For misses and errors, which are always kept. Nothing when there is no span, or it records nothing.
    /// </summary>
    public static void Keep(Activity? activity)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        }
    }
}
