using System.Diagnostics;
using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Telemetry;
using EdgeImages.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// Traces and request log lines are sampled for hits, never for misses and errors: the head decision is parent-based
/// at a ratio of the trace id, and what it did not keep is still recorded so that a miss or a 5xx can keep it later.
/// Alone in the process: a tracer provider of a parallel test would sample the test client's spans too.
/// </summary>
[Collection(TracesRunAlone.Name)]
public sealed class TraceSamplingTests : IDisposable
{
    private static readonly ActivityTraceId LowTraceId = ActivityTraceId.CreateFromString("00000000000000000000000000000001");
    private static readonly ActivityTraceId HighTraceId = ActivityTraceId.CreateFromString("40000000000000000000000000000000");

    private readonly CapturedLogs _logs = new();

    public void Dispose() => _logs.Dispose();

    [Theory]
    // A new trace: kept when its id falls under the ratio, else recorded only (still keepable).
    [InlineData(0.0, null, false, SamplingDecision.RecordOnly)]
    [InlineData(1.0, null, false, SamplingDecision.RecordAndSample)]
    [InlineData(0.5, null, true, SamplingDecision.RecordAndSample)]
    [InlineData(0.5, null, false, SamplingDecision.RecordOnly)]
    // A parent decides, whatever the ratio.
    [InlineData(0.0, true, false, SamplingDecision.RecordAndSample)]
    [InlineData(1.0, false, false, SamplingDecision.RecordOnly)]
    public void ShouldSample_RatioAndParent_ParentBasedAndNeverDropped(double ratio, bool? parentSampled, bool lowTraceId, SamplingDecision expected)
    {
        var traceId = lowTraceId ? LowTraceId : HighTraceId;
        var parent = parentSampled is { } sampled
            ? new ActivityContext(traceId, ActivitySpanId.CreateRandom(), sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true)
            : default;

        var result = new KeepableSampler(ratio).ShouldSample(new SamplingParameters(parent, traceId, "GET", ActivityKind.Server));

        Assert.Equal(expected, result.Decision);
    }

    [Fact]
    public void Keep_RecordedOnlySpan_MarksItSampled()
    {
        using var source = new ActivitySource("edgeimages-tests-keep");
        using var listener = new ActivityListener
        {
            ShouldListenTo = candidate => candidate == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        using var activity = source.StartActivity("request")!;
        Assert.False(activity.Recorded);

        KeepableSampler.Keep(activity);

        Assert.True(activity.Recorded);
    }

    [Fact]
    public async Task RatioZero_MissAndErrorsKept_HitsNeitherTracedNorLogged()
    {
        var spans = new List<Activity>();
        await using var edge = (await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Telemetry:RequestLogHitSampleRate"] = "0", ["Telemetry:TraceSampleRatio"] = "0" },
            services =>
            {
                _logs.AddTo(services);
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
            })).WithOriginal("tiny.png", "tiny-2x3.png");

        using (var miss = await edge.GetAsync("w:2", "tiny.png"))
        {
            Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        }

        for (var i = 0; i < 20; i++)
        {
            using var hit = await edge.GetAsync("w:2", "tiny.png");
            Assert.Equal("HIT-MEMORY", hit.Headers.GetValues("X-Cache").Single());
        }

        using (var missing = await edge.GetAsync("w:2", "nowhere.png"))
        using (var forged = await edge.Client.GetAsync(edge.RawUri("/AAAAAAAAAAAAAAAAAAAAAA/w:2/acme/tiny.png")))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        // The writer keeps the order of the requests: once the last one's line is there, every earlier one is too.
        var lines = await RequestLogTests.RequestLinesAsync(_logs, 3);
        Assert.Equal(3, lines.Count);
        Assert.Contains("Cache=MISS Tenant=acme", lines[0], StringComparison.Ordinal);
        Assert.Contains("Status=404 ", lines[1], StringComparison.Ordinal);
        Assert.Contains("Status=403 ", lines[2], StringComparison.Ordinal);

        // Misses are traced (a 404 from the origin is a miss too); the hits and the 403 are not.
        List<Activity> server;
        lock (spans)
        {
            server = [.. spans.Where(span => span.Kind == ActivityKind.Server)];
        }

        Assert.Equal(2, server.Count);
        Assert.All(server, span => Assert.True(span.Recorded));
        Assert.DoesNotContain(server, span => (span.GetTagItem("http.response.status_code") as int?) == 403);
    }

    [Fact]
    public async Task RatioZero_HitsWithCallersTraceparent_SampledParentTracedUnsampledNot()
    {
        var spans = new List<Activity>();
        await using var edge = (await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Telemetry:TraceSampleRatio"] = "0" },
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)))).WithOriginal("tiny.png", "tiny-2x3.png");
        using (var miss = await edge.GetAsync("w:2", "tiny.png"))
        {
            Assert.Equal("MISS", miss.Headers.GetValues("X-Cache").Single());
        }

        const string Sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        const string Unsampled = "00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-00";
        // A client that sends the header as written: this process's HttpClient would put its own span's there.
        using var caller = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
        foreach (var traceparent in new[] { Sampled, Unsampled })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:2", "tiny.png")));
            request.Headers.TryAddWithoutValidation("traceparent", traceparent);
            using var hit = await caller.SendAsync(request);
            Assert.Equal("HIT-MEMORY", hit.Headers.GetValues("X-Cache").Single());
        }

        // A span ends once its answer is written: the client may read the answer first.
        var traced = await Eventually.FoundAsync(() => Traced(spans, Sampled), TimeSpan.FromSeconds(10), "the sampled caller's hit span");
        await Task.Delay(200);
        Assert.Null(Traced(spans, Unsampled));

        // The caller's sampled flag decides: its hit is a child of the caller's span; the unsampled caller's hit has none.
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", traced.TraceId.ToString());
        Assert.Equal("b7ad6b7169203331", traced.ParentSpanId.ToString());
        Assert.Equal("/{**imagePath}", traced.GetTagItem("http.route"));
        Assert.Equal(200, traced.GetTagItem("http.response.status_code"));
        Assert.Equal("/-/w:2/acme/tiny.png", traced.GetTagItem("url.path"));
    }

    private static Activity? Traced(List<Activity> spans, string traceparent)
    {
        lock (spans)
        {
            return spans.SingleOrDefault(span => span.Kind == ActivityKind.Server && traceparent.Contains(span.TraceId.ToString(), StringComparison.Ordinal));
        }
    }
}
