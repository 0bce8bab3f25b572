using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>How much transform work runs at once; also from configuration section <c>Transforms</c>.</summary>
internal sealed class TransformSchedulerOptions
{
    /// <summary>
    /// <c>Transforms:Concurrency</c>: transforms running at once. Decoding and resizing are CPU-bound, so more
    /// than one per core only adds latency and memory. 0 means the number of cores.
    /// </summary>
    public int Concurrency { get; set; }

    /// <summary>
    /// <c>Transforms:QueueLength</c>: transforms allowed to wait for a slot. Short on purpose: past it a
    /// client is better served by a fast 503 and a retry (or another PoP) than by seconds in a queue.
    /// 0 means twice the concurrency.
    /// </summary>
    public int QueueLength { get; set; }

    /// <summary>
    /// <c>Transforms:Deadline</c>: the longest one request may spend waiting for and running its transform.
    /// A 12 MP photo takes tens of milliseconds; ten seconds only trips on pathological inputs or overload.
    /// </summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Transforms:WorkerNice</c>: the nice value (0–19) of the threads transforms run on; the request path stays at
    /// 0. Higher is politer: while misses flood in, hits and 503s get the cores first and transforms use what is left,
    /// instead of every core going to transforms and hits queueing behind them. 10 gives the request path about ten
    /// times the transforms' share of a contended core (loadtests/README.md, "Hits while misses flood"); when the
    /// request path is idle, transforms still get every core. 0 turns it off.
    /// </summary>
    public int WorkerNice { get; set; } = 10;

    /// <summary><c>Transforms:RetryAfter</c>: the <c>Retry-After</c> sent with a 503 when shedding.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Environment.ProcessorCount;

    public int EffectiveQueueLength => QueueLength > 0 ? QueueLength : 2 * EffectiveConcurrency;
}

internal sealed class TransformSchedulerOptionsValidator : IValidateOptions<TransformSchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, TransformSchedulerOptions options)
    {
        var errors = new List<string>();
        if (options.Concurrency is < 0 or > 1024)
        {
            errors.Add("Transforms:Concurrency must be between 0 (one per core) and 1024.");
        }

        if (options.QueueLength is < 0 or > 100_000)
        {
            errors.Add("Transforms:QueueLength must be between 0 (twice the concurrency) and 100000.");
        }

        if (options.WorkerNice is < 0 or > 19)
        {
            errors.Add("Transforms:WorkerNice must be between 0 (the request path's priority) and 19.");
        }

        if (options.Deadline <= TimeSpan.Zero || options.Deadline > TimeSpan.FromMinutes(5))
        {
            errors.Add("Transforms:Deadline must be between 00:00:00.001 and 00:05:00.");
        }

        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromHours(1))
        {
            errors.Add("Transforms:RetryAfter must be between 00:00:01 and 01:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
