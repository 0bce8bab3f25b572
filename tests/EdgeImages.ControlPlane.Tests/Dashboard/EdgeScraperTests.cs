using EdgeImages.ControlPlane.Dashboard;

namespace EdgeImages.ControlPlane.Tests.Dashboard;

public sealed class EdgeScraperTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Parse_EdgeExposition_CountsHitsOverCacheableAndFivexxOverAll()
    {
        const string Text = """
            # TYPE edgeimages_requests_total counter
            edgeimages_requests_total{otel_scope_name="EdgeImages.Edge",cache="hit-memory",status="200"} 6 1764244800000
            edgeimages_requests_total{otel_scope_name="EdgeImages.Edge",cache="hit-redis",status="304"} 2 1764244800000
            edgeimages_requests_total{otel_scope_name="EdgeImages.Edge",cache="miss",status="200"} 2 1764244800000
            edgeimages_requests_total{otel_scope_name="EdgeImages.Edge",cache="none",status="403"} 5 1764244800000
            edgeimages_requests_total{otel_scope_name="EdgeImages.Edge",cache="none",status="503"} 1 1764244800000
            edgeimages_config_version{otel_scope_name="EdgeImages.Edge"} 42 1764244800000
            edgeimages_config_applied_timestamp_seconds{otel_scope_name="EdgeImages.Edge"} 1764244790.5 1764244800000
            edgeimages_control_plane_revision{otel_scope_name="EdgeImages.Edge"} 57 1764244800000
            # EOF
            """;

        var sample = EdgeScraper.Parse(Text, At);

        Assert.Equal(16, sample.Requests);
        Assert.Equal(10, sample.Cacheable);
        Assert.Equal(8, sample.Hits);
        Assert.Equal(1, sample.Errors);
        Assert.Equal(42, sample.ConfigVersion);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764244790500), sample.ConfigAppliedAt);
        Assert.Equal(57, sample.Revision);
    }

    [Fact]
    public void Parse_NoEdgeSeries_GivesZerosAndNoConfiguration()
    {
        var sample = EdgeScraper.Parse("process_cpu_seconds_total 1.5\n", At);

        Assert.Equal(0, sample.Requests);
        Assert.Null(sample.ConfigVersion);
        Assert.Equal(0, sample.Revision);
    }
}
