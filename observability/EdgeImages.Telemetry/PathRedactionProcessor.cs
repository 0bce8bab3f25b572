using System.Diagnostics;
using OpenTelemetry;

namespace EdgeImages.Telemetry;

/// <summary>
/// Rewrites a server span's <c>url.path</c> with <see cref="TelemetrySetup.RedactPath"/> when the span ends, and only
/// if it is sampled (exported). Registered before every exporter, so nothing leaves the process unredacted. Done at
/// the end rather than as the request starts, because most spans (the hits not sampled) are never exported and a
/// redacted copy of their path, made on every request, was one of the larger allocations of a cache hit. The raw
/// path of an unexported span stays in this process's memory only, as it does in the request itself.
/// </summary>
internal sealed class PathRedactionProcessor(Func<string, string> redact) : BaseProcessor<Activity>
{
    private const string UrlPath = "url.path";

    public override void OnEnd(Activity data)
    {
        if (data is { Recorded: true } && data.GetTagItem(UrlPath) is string path)
        {
            data.SetTag(UrlPath, redact(path));
        }
    }
}
