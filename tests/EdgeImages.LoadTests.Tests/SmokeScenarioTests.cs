using System.Text;
using System.Text.Json;

namespace EdgeImages.LoadTests.Tests;

/// <summary>
/// The smoke scenario end to end, as a person runs it: a small generated catalog, a real edge process, the
/// bare Kestrel yardstick, and <c>node scenarios/smoke.mjs</c> (autocannon) against them, within seconds.
/// </summary>
public sealed class SmokeScenarioTests
{
    [Fact]
    public async Task SmokeScenario_ExitsZero_WritesSummaryWithEveryFigure_AndChart()
    {
        var folder = Directory.CreateTempSubdirectory("lt-smoke-").FullName;
        try
        {
            var log = new StringWriter(new StringBuilder());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var exit = await Cli.RunAsync(
                ["run", "smoke", "--data", Path.Combine(folder, "data"), "--out", Path.Combine(folder, "out"), "--", "--duration", "2"],
                log, timeout.Token);

            Assert.True(exit == 0, log.ToString());
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "out", "summary.json")));
            var root = summary.RootElement;
            Assert.True(root.GetProperty("passed").GetBoolean());
            var measured = root.GetProperty("measured");
            Assert.True(measured.GetProperty("accepted").GetInt32() > 0);
            Assert.Equal(0, measured.GetProperty("errors").GetInt32());
            Assert.InRange(measured.GetProperty("hitRatio").GetDouble(), 0.3, 1.0);
            Assert.True(measured.GetProperty("latencyMs").GetProperty("p99").GetDouble() > 0);
            Assert.True(root.GetProperty("memory").GetProperty("peakRssBytes").GetInt64() > 0);
            Assert.All(root.GetProperty("thresholds").EnumerateArray(), t => Assert.True(t.GetProperty("ok").GetBoolean()));
            var chart = await File.ReadAllTextAsync(Path.Combine(folder, "out", "chart.html"));
            Assert.Contains("<svg", chart, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", chart, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
