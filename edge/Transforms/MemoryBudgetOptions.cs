using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>How much memory the work in flight may hold at once; configuration section <c>Transforms</c>.</summary>
internal sealed class MemoryBudgetOptions
{
    /// <summary>
    /// <c>Transforms:MemoryBudgetBytes</c>: bytes of originals being fetched or held and of pixel buffers being
    /// decoded, summed over every request in flight. 0 means a quarter of what the process may use
    /// (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which honours a container's limit): the rest is
    /// left to the memory cache tier, the GC's own slack and the runtime.
    /// </summary>
    public long MemoryBudgetBytes { get; set; }

    /// <summary>
    /// <c>Transforms:MemoryQueueLength</c>: misses allowed to wait for memory before their fetch starts. Past it
    /// the tenant with the most waiting is shed first. 0 means four per core: a wait here costs no memory.
    /// </summary>
    public int MemoryQueueLength { get; set; }

    /// <summary>
    /// <c>Transforms:MemoryFirstReservationBytes</c>: the least a miss reserves before its fetch, when nothing is
    /// known of its original yet. Later misses reserve what recent ones needed (a moving average) if that is more,
    /// so that the queue admits about as many as will fit and few are shed after their fetch has begun.
    /// </summary>
    public long MemoryFirstReservationBytes { get; set; } = 1024 * 1024;

    public long EffectiveBudgetBytes => MemoryBudgetBytes > 0
        ? MemoryBudgetBytes
        : Math.Max(64L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    public int EffectiveQueueLength => MemoryQueueLength > 0 ? MemoryQueueLength : 4 * Environment.ProcessorCount;
}

internal sealed class MemoryBudgetOptionsValidator : IValidateOptions<MemoryBudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, MemoryBudgetOptions options)
    {
        var errors = new List<string>();
        if (options.MemoryBudgetBytes is < 0 or (> 0 and < 1024 * 1024))
        {
            errors.Add("Transforms:MemoryBudgetBytes must be 0 (a quarter of the memory available) or at least 1048576.");
        }

        if (options.MemoryQueueLength is < 0 or > 100_000)
        {
            errors.Add("Transforms:MemoryQueueLength must be between 0 (four per core) and 100000.");
        }

        if (options.MemoryFirstReservationBytes < 4096)
        {
            errors.Add("Transforms:MemoryFirstReservationBytes must be at least 4096.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
