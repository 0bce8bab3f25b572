using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>How much memory the work in flight may hold at once; configuration section <c>Transforms</c>.</summary>
internal sealed class MemoryBudgetOptions : IValidatableObject
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
    [SettingRange(0, 100_000, ErrorMessage = "Transforms:MemoryQueueLength must be between {1} (four per core) and {2}.")]
    public int MemoryQueueLength { get; set; }

    /// <summary>
    /// <c>Transforms:MemoryFirstReservationBytes</c>: the least a miss reserves before its fetch, when nothing is
    /// known of its original yet. Later misses reserve what recent ones needed (a moving average) if that is more,
    /// so that the queue admits about as many as will fit and few are shed after their fetch has begun.
    /// </summary>
    [SettingRange(4096d, long.MaxValue, ErrorMessage = "Transforms:MemoryFirstReservationBytes must be at least {1}.")]
    public long MemoryFirstReservationBytes { get; set; } = 1024 * 1024;

    public long EffectiveBudgetBytes => MemoryBudgetBytes > 0
        ? MemoryBudgetBytes
        : Math.Max(64L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    public int EffectiveQueueLength => MemoryQueueLength > 0 ? MemoryQueueLength : 4 * Environment.ProcessorCount;

    /// <summary>The budget's rule: 0 has a meaning of its own, so it is no plain range.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MemoryBudgetBytes is < 0 or (> 0 and < 1024 * 1024))
        {
            yield return new ValidationResult(
                "Transforms:MemoryBudgetBytes must be 0 (a quarter of the memory available) or at least 1048576.", [nameof(MemoryBudgetBytes)]);
        }
    }
}

/// <summary>The ranges from the attributes, source-generated; <see cref="MemoryBudgetOptions.Validate"/> for the budget.</summary>
[OptionsValidator]
internal sealed partial class MemoryBudgetOptionsValidator : IValidateOptions<MemoryBudgetOptions>;

