using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>How much transform work runs at once; also from configuration section <c>Transforms</c>.</summary>
internal sealed class TransformSchedulerOptions
{
    /// <summary>
    /// <c>Transforms:Concurrency</c>: transforms running at once. Decoding and resizing are CPU-bound, so more
    /// than one per core only adds latency and memory. 0 means the number of cores.
    /// </summary>
    [SettingRange(0, 1024, ErrorMessage = "Transforms:Concurrency must be between {1} (one per core) and {2}.")]
    public int Concurrency { get; set; }

    /// <summary>
    /// <c>Transforms:QueueLength</c>: transforms allowed to wait for a slot. Short on purpose: past it a
    /// client is better served by a fast 503 and a retry (or another PoP) than by seconds in a queue.
    /// 0 means twice the concurrency.
    /// </summary>
    [SettingRange(0, 100_000, ErrorMessage = "Transforms:QueueLength must be between {1} (twice the concurrency) and {2}.")]
    public int QueueLength { get; set; }

    /// <summary>
    /// <c>Transforms:Deadline</c>: the longest one request may spend waiting for and running its transform.
    /// A 12 MP photo takes tens of milliseconds; ten seconds only trips on pathological inputs or overload.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.001", "00:05:00", ErrorMessage = "Transforms:Deadline must be between {1} and {2}.")]
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Transforms:WorkerNice</c>: the nice value (0–19) of the threads transforms run on; the request path stays at
    /// 0. Higher is politer: while misses flood in, hits and 503s get the cores first and transforms use what is left,
    /// instead of every core going to transforms and hits queueing behind them. 10 gives the request path about ten
    /// times the transforms' share of a contended core (loadtests/README.md, "Hits while misses flood"); when the
    /// request path is idle, transforms still get every core. 0 turns it off.
    /// </summary>
    [SettingRange(0, 19, ErrorMessage = "Transforms:WorkerNice must be between {1} (the request path's priority) and {2}.")]
    public int WorkerNice { get; set; } = 10;

    /// <summary><c>Transforms:RetryAfter</c>: the <c>Retry-After</c> sent with a 503 when shedding.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Transforms:RetryAfter must be between {1} and {2}.")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Environment.ProcessorCount;

    public int EffectiveQueueLength => QueueLength > 0 ? QueueLength : 2 * EffectiveConcurrency;
}

[OptionsValidator]
internal sealed partial class TransformSchedulerOptionsValidator : IValidateOptions<TransformSchedulerOptions>;
