using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// The request log line of an image request says what the request became (cache tier, verified tenant), read from
/// the request's typed feature: the same state the response writer and the request counter read.
/// </summary>
public sealed class RequestLogTests : IDisposable
{
    private readonly CapturedLogs _logs = new();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task ImageRequests_MissHitAndForged_LogTierAndOnlyAVerifiedTenant()
    {
        await using var edge = (await EdgeServer.StartAsync(services: _logs.AddTo)).WithOriginal("tiny.png", "tiny-2x3.png");

        using (var miss = await edge.GetAsync("w:2", "tiny.png"))
        using (var hit = await edge.GetAsync("w:2", "tiny.png"))
        using (var forged = await edge.Client.GetAsync(edge.RawUri("/AAAAAAAAAAAAAAAAAAAAAA/w:2/beta/tiny.png")))
        {
            Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
            Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        var lines = RequestLines().ToList();

        Assert.Equal(3, lines.Count);
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
        await using var edge = await EdgeServer.StartAsync(services: _logs.AddTo);

        using (var health = await edge.Client.GetAsync("/favicon.ico"))
        {
            Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
        }

        var line = Assert.Single(RequestLines());
        Assert.Contains("Cache= Tenant= ", line, StringComparison.Ordinal);
    }

    private IEnumerable<string> RequestLines() => _logs.Entries.Where(entry =>
        entry.Contains("EdgeImages.Telemetry.RequestLogMiddleware: ", StringComparison.Ordinal) && !entry.Contains("/healthz", StringComparison.Ordinal));
}
