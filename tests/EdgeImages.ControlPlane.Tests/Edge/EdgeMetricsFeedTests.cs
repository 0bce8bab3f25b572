using System.Net;
using System.Net.Http.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.ControlPlane.Tests.Keys;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Etcd.Documents;
using EdgeImages.Testing;

namespace EdgeImages.ControlPlane.Tests.Edge;

/// <summary>What the edge's agent reports on its own <c>/metrics</c> when the control plane changes something.</summary>
[Collection(ScrapedMetrics.Name)]
public sealed class EdgeMetricsFeedTests(Deployment world) : IClassFixture<Deployment>
{
    [Fact]
    public async Task KeyActivatedThroughControlPlane_EdgeMetrics_ShowTheAppliedRevision()
    {
        var admin = world.ControlPlane.Client;
        var edge = world.Frankfurt;
        await KeyRotationTests.CreateKeyAsync(admin, "metrics-k");
        (await admin.PostAsync("/v1/keys/metrics-k/activate", null)).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => edge.State.TryGetKey("metrics-k", out var key) && key.State == Sdk.Signing.SigningKeyState.Active,
            TimeSpan.FromSeconds(20), "metrics-k active at the edge");

        var samples = await ScrapeAsync(edge);

        // Greater than zero, not equal to this edge's revision: see ScrapedMetrics for why an in-process scrape of a
        // gauge may show a neighbour's value. Zero would mean no snapshot from etcd was ever reported.
        Assert.True(edge.State.Snapshot.Revision > 0);
        Assert.True(Value(samples, "edgeimages_config_version") > 0);
        Assert.True(Value(samples, "edgeimages_control_plane_revision") > 0);
        Assert.True(Value(samples, "edgeimages_config_applied_timestamp_seconds") > 0);
    }

    [Fact]
    public async Task PurgeThroughControlPlane_EdgeMetrics_RecordAPurgeLag()
    {
        var edge = world.Ashburn;
        var before = Value(await ScrapeAsync(edge), "edgeimages_purge_propagation_lag_seconds_count") ?? 0;
        var applied = WaitPurgedAsync(edge.Purges, "photos/lag.jpg");

        using var response = await world.ControlPlane.Client.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = "photos/lag.jpg" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await applied.WaitAsync(TimeSpan.FromSeconds(20));

        var samples = await ScrapeAsync(edge);
        // Both edges of this world run in this process, and OpenTelemetry listens to every meter of a name, so each
        // edge's /metrics also counts the other's purge: at least one more observation, not exactly one.
        Assert.True(Value(samples, "edgeimages_purge_propagation_lag_seconds_count") >= before + 1);
        // In seconds, with the 60 s bucket the purge-lag alert reads. How long the purge took is not asserted (the wait
        // above is a hang guard); loadtests measures it.
        Assert.Contains(samples, s => s.Name == "edgeimages_purge_propagation_lag_seconds_bucket"
            && double.Parse(s.Labels["le"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture) == 60);
        Assert.True(Value(samples, "edgeimages_purges_total") >= 1);
    }

    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(EdgeNode edge) =>
        PrometheusText.Parse(await edge.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

    private static double? Value(IReadOnlyList<PrometheusSample> samples, string name) =>
        samples.Where(s => s.Name == name).Select(s => (double?)s.Value).SingleOrDefault();

    private static Task WaitPurgedAsync(PurgeApplier agent, string path)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(PurgeDocument purge)
        {
            if (purge.Path == path)
            {
                agent.Purged -= Handler;
                done.TrySetResult();
            }
        }

        agent.Purged += Handler;
        return done.Task;
    }
}
