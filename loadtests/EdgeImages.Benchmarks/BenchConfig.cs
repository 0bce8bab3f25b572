using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;

namespace EdgeImages.Benchmarks;

/// <summary>
/// One launch, few iterations: each operation takes tens to hundreds of milliseconds, so a handful
/// of them gives a stable mean, and twelve cases must finish in minutes on two cores.
/// </summary>
internal sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            // Every invocation is a whole image; no unrolling, no batching of several per iteration.
            .WithInvocationCount(1)
            .WithUnrollFactor(1));
        // No MemoryDiagnoser: the pixels live in native memory it cannot see, and its extra run would
        // fall inside the CPU-time window.
        AddDiagnoser(new CpuTimeDiagnoser());
        AddColumn(StatisticColumn.Median);
        WithArtifactsPath(BenchPaths.ArtifactsDir);
        WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond));
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        HideColumns(Column.Job, Column.Error);
    }
}
