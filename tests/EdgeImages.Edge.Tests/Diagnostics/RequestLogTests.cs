using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Telemetry;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// The request log line of an image request says what the request became (cache tier, verified tenant), read from
/// the request's typed feature: the same state the response writer and the request counter read. Lines are written
/// by a background writer, so the tests wait for them; hits are sampled, everything else always has its line.
/// </summary>
public sealed class RequestLogTests : IDisposable
{
    private readonly CapturedLogs _logs = new();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task ImageRequests_MissHitAndForged_LogTierAndOnlyAVerifiedTenant()
    {
        await using var edge = (await EdgeServer.StartAsync(EveryHit, _logs.AddTo)).WithOriginal("tiny.png", "tiny-2x3.png");

        using (var miss = await edge.GetAsync("w:2", "tiny.png"))
        using (var hit = await edge.GetAsync("w:2", "tiny.png"))
        using (var forged = await edge.Client.GetAsync(edge.RawUri("/AAAAAAAAAAAAAAAAAAAAAA/w:2/beta/tiny.png")))
        {
            Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
            Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        var lines = await RequestLinesAsync(3);

        Assert.Contains("Status=200 ", lines[0], StringComparison.Ordinal);
        Assert.Contains("Cache=MISS Tenant=acme", lines[0], StringComparison.Ordinal);
        Assert.Contains("Cache=HIT-MEMORY Tenant=acme", lines[1], StringComparison.Ordinal);
        // A forged URL names no tenant worth logging: its tenant segment is unverified input.
        Assert.Contains("Status=403 ", lines[2], StringComparison.Ordinal);
        Assert.Contains("Cache=MISS Tenant= ", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain("beta", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherEndpoints_LogNoCacheTierAndNoTenant()
    {
        await using var edge = await EdgeServer.StartAsync(EveryHit, _logs.AddTo);

        using (var health = await edge.Client.GetAsync("/favicon.ico"))
        {
            Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
        }

        var line = Assert.Single(await RequestLinesAsync(1));
        Assert.Contains("Cache= Tenant= ", line, StringComparison.Ordinal);
    }

    [Theory]
    // A hit is written only when the draw falls under the rate.
    [InlineData(true, 200, false, 0.01, 0.5, false)]
    [InlineData(true, 200, false, 0.01, 0.005, true)]
    [InlineData(true, 304, false, 0.0, 0.0, false)]
    [InlineData(true, 200, false, 1.0, 0.999, true)]
    // Not routine (a miss, a stale answer, another endpoint): always.
    [InlineData(false, 200, false, 0.0, 0.999, true)]
    // An error is never routine, whatever the tier said.
    [InlineData(true, 500, false, 0.0, 0.999, true)]
    [InlineData(true, 429, false, 0.0, 0.999, true)]
    // A kept trace keeps its line.
    [InlineData(true, 200, true, 0.0, 0.999, true)]
    public void ShouldWrite_RoutineStatusTraceAndDraw_SamplesOnlyRoutineSuccesses(bool routine, int status, bool traceKept, double rate, double draw, bool expected) =>
        Assert.Equal(expected, RequestLogSampling.ShouldWrite(routine, status, traceKept, rate, draw));

    private static Dictionary<string, string?> EveryHit => new() { ["Telemetry:RequestLogHitSampleRate"] = "1" };

    internal static async Task<List<string>> RequestLinesAsync(CapturedLogs logs, int atLeast)
    {
        await Eventually.ValueAsync(
            () => Task.FromResult(RequestLines(logs).Count()),
            count => count >= atLeast,
            TimeSpan.FromSeconds(10),
            $"{atLeast} request log lines",
            TimeSpan.FromMilliseconds(20));
        return RequestLines(logs).ToList();
    }

    private Task<List<string>> RequestLinesAsync(int atLeast) => RequestLinesAsync(_logs, atLeast);

    private static IEnumerable<string> RequestLines(CapturedLogs logs) => logs.Entries.Where(entry =>
        entry.Contains("EdgeImages.Telemetry.RequestLogMiddleware: ", StringComparison.Ordinal) && !entry.Contains("/healthz", StringComparison.Ordinal));
}
