using System.Diagnostics;
using BenchmarkDotNet.Analysers;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Validators;

namespace EdgeImages.Benchmarks;

/// <summary>
/// Adds a <c>CPU/op</c> column: the benchmark process's CPU time (all threads, user and kernel) from
/// the start to the end of the measured iterations, divided by the operations measured. Wall time
/// alone would hide work pushed to other threads; on one thread the two should agree.
/// Resolution is the kernel's clock tick (10 ms) over a run of about a second, so about 1%.
/// </summary>
internal sealed class CpuTimeDiagnoser : IDiagnoser
{
    private TimeSpan start;
    private TimeSpan end;

    public IEnumerable<string> Ids => ["CpuTime"];

    public IEnumerable<IExporter> Exporters => [];

    public IEnumerable<IAnalyser> Analysers => [];

    public RunMode GetRunMode(BenchmarkCase benchmarkCase) => RunMode.NoOverhead;

    // Blocking, so the child is held at the signal while its CPU time is read.
    public bool RequiresBlockingAcknowledgments(BenchmarkCase benchmarkCase) => true;

    public void Handle(HostSignal signal, DiagnoserActionParameters parameters)
    {
        switch (signal)
        {
            case HostSignal.BeforeActualRun:
                start = CpuTime(parameters.Process);
                break;
            case HostSignal.AfterActualRun:
                end = CpuTime(parameters.Process);
                break;
        }
    }

    public IEnumerable<Metric> ProcessResults(DiagnoserResults results)
    {
        // DiagnoserResults.TotalOperations counts every workload operation (jitting and warm-up too),
        // so the operations of the measured window come from the job, which BenchConfig fixes.
        var run = results.BenchmarkCase.Job.Run;
        if (!run.HasValue(BenchmarkDotNet.Jobs.RunMode.IterationCountCharacteristic)
            || !run.HasValue(BenchmarkDotNet.Jobs.RunMode.InvocationCountCharacteristic))
        {
            yield break;
        }

        var operations = (long)run.IterationCount * run.InvocationCount;
        if (operations > 0 && end > start)
        {
            yield return new Metric(CpuPerOperation.Instance, (end - start).TotalNanoseconds / operations);
        }
    }

    public void DisplayResults(ILogger logger)
    {
    }

    public IEnumerable<ValidationError> Validate(ValidationParameters validationParameters) => [];

    private static TimeSpan CpuTime(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    private sealed class CpuPerOperation : IMetricDescriptor
    {
        public static readonly CpuPerOperation Instance = new();

        public string Id => "CpuTime.PerOperation";

        public string DisplayName => "CPU/op";

        public string Legend => "CPU time (all threads, user + kernel) per operation over the measured iterations";

        public string NumberFormat => "N1";

        public UnitType UnitType => UnitType.Time;

        public string Unit => "ns";

        public bool TheGreaterTheBetter => false;

        public int PriorityInCategory => 0;

        public bool GetIsAvailable(Metric metric) => true;
    }
}
