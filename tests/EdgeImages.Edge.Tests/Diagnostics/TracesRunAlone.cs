namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// Tests that capture spans run alone, after every parallel test. An <see cref="System.Diagnostics.ActivitySource"/>
/// is process-wide (ASP.NET Core's and HttpClient's are static), so a tracer provider in one edge sees the spans of
/// every edge alive in the test process. Metrics need no such care: each host exports only the meters its own
/// <c>IMeterFactory</c> made (see <c>TelemetryServiceExtensions</c>). In production one process is one service.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracesRunAlone
{
    public const string Name = "Traces (alone in the process)";
}
