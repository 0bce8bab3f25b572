namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// Tests that read <c>/metrics</c> run alone, after every parallel test. A meter is process-wide by name, and
/// OpenTelemetry subscribes to every meter of a name it was given, whichever app's <c>IMeterFactory</c> made it; with
/// several edges alive in one test process, each would export its neighbours' traffic too. In production one
/// process is one service, so nothing is shared there.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsRunAlone
{
    public const string Name = "Metrics (alone in the process)";
}
