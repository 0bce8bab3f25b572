namespace EdgeImages.ControlPlane.Tests.Infrastructure;

/// <summary>
/// For tests that read edges' <c>/metrics</c>. Every edge of every fixture runs in this one process, and OpenTelemetry
/// listens to every meter named <c>EdgeImages.Edge</c>, merging same-named instruments into one stream: an edge's
/// scrape counts its neighbours too, and the stream is reset when another fixture's edges are disposed. These tests
/// run alone, after the parallel ones, and assert only what merging cannot break.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScrapedMetrics
{
    public const string Name = "edge metrics scraped in process";
}
