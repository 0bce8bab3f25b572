using System.Text.RegularExpressions;
using EdgeImages.Testing;

namespace EdgeImages.Monitoring.Tests.Alerts;

/// <summary>
/// <c>monitoring/alerts.yml</c> through Prometheus's own tool (Debian package <c>prometheus</c>, which test.sh
/// installs): the rules parse, their unit tests pass, and no alert goes without a test.
/// </summary>
public sealed partial class AlertRulesTests
{
    private const string Promtool = "/usr/bin/promtool";

    private static string Folder => Path.Combine(RepositoryPaths.Root, "monitoring");

    [Fact]
    public async Task CheckRules_AlertsFile_IsValid()
    {
        var output = await RunPromtoolAsync("check", "rules", Path.Combine(Folder, "alerts.yml"));

        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestRules_AlertsTestFile_EveryCasePasses()
    {
        var output = await RunPromtoolAsync("test", "rules", Path.Combine(Folder, "alerts.test.yml"));

        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AlertsFile_EveryAlert_HasAUnitTestThatExpectsItToFire()
    {
        var alerts = AlertName().Matches(File.ReadAllText(Path.Combine(Folder, "alerts.yml"))).Select(match => match.Groups[1].Value).ToList();
        var tests = File.ReadAllText(Path.Combine(Folder, "alerts.test.yml"));

        Assert.NotEmpty(alerts);
        foreach (var alert in alerts)
        {
            // A test that fires it: its alertname followed by a non-empty exp_alerts list.
            Assert.Matches(new Regex($@"alertname: {alert}\s+exp_alerts:\s+- exp_labels", RegexOptions.None, TimeSpan.FromSeconds(1)), tests);
        }
    }

    private static async Task<string> RunPromtoolAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: run ./test.sh, which installs the Debian package prometheus.");

        // RunAsync throws with promtool's whole output when it exits non-zero: a failed case shows exp and got.
        return await ProcessHandle.RunAsync(Promtool, arguments);
    }

    [GeneratedRegex(@"^\s*- alert: (\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AlertName();
}
