using EdgeImages.Edge.Transforms;

namespace EdgeImages.Edge.Originals;

/// <summary>
/// The arrays originals are read into, used again. A 12 MP photo's 2.7 MB read into a new array costs its page faults
/// and zeroing on every miss (1.4-1.6 ms, against 0.25-0.35 ms into an array used before: loadtests/README.md), and as
/// a large object each one brings the next full collection closer. Arrays come in four sizes per doubling, so one
/// fits every original within a quarter of its length, and the memory budget counts the array, not the body. What
/// lies idle is bounded in count and in bytes: a burst of large originals leaves at most a quarter of the memory budget
/// and <see cref="MaxIdleBytes"/> behind. Small originals get plain arrays: below <see cref="MinimumPooledLength"/> a new
/// array is cheap.
/// </summary>
internal sealed class OriginalBuffers(int maxIdleCount, long maxIdleBytes)
{
    /// <summary>Below this an original's array is not pooled: it is not a large object, and a fresh one costs little.</summary>
    public const int MinimumPooledLength = 256 * 1024;

    /// <summary>The most idle bytes of the edge's pool, however large its budget: a few 12 MP originals' worth.</summary>
    public const long MaxIdleBytes = 64L * 1024 * 1024;

    private readonly object _lock = new();
    private readonly List<byte[]> _idle = [];
    private long _idleBytes;

    /// <summary>
    /// The edge's pool: as many idle arrays as two misses a core (the transform slots and those fetching behind them),
    /// at least four, in at most a quarter of <paramref name="budget"/>'s bytes and <see cref="MaxIdleBytes"/>: memory
    /// the budget does not count, so it stays small beside it.
    /// </summary>
    public static OriginalBuffers For(MemoryBudgetOptions budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return new(Math.Max(4, 2 * Environment.ProcessorCount), Math.Min(MaxIdleBytes, budget.EffectiveBudgetBytes / 4));
    }

    /// <summary>Bytes of the arrays lying idle now.</summary>
    public long IdleBytes
    {
        get
        {
            lock (_lock)
            {
                return _idleBytes;
            }
        }
    }

    /// <summary>
    /// The length of the array for a body of <paramref name="length"/> bytes: the length itself below
    /// <see cref="MinimumPooledLength"/>, else rounded up to a quarter of the power of two below it (2.7 MB: 3 MiB).
    /// </summary>
    public static int ArrayLengthFor(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length < MinimumPooledLength)
        {
            return length;
        }

        var step = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length + 1) / 8;
        return (int)Math.Min((length + step - 1) / step * step, Array.MaxLength);
    }

    /// <summary>An array of exactly <see cref="ArrayLengthFor"/> bytes: an idle one when there is one, else a new one.</summary>
    public byte[] Rent(int length)
    {
        var arrayLength = ArrayLengthFor(length);
        if (arrayLength >= MinimumPooledLength)
        {
            lock (_lock)
            {
                var index = _idle.FindIndex(array => array.Length == arrayLength);
                if (index >= 0)
                {
                    var array = _idle[index];
                    _idle.RemoveAt(index);
                    _idleBytes -= array.Length;
                    return array;
                }
            }
        }

        // Uninitialised: every byte the caller reads is one it wrote.
        return GC.AllocateUninitializedArray<byte>(arrayLength);
    }

    /// <summary>
    /// Gives <paramref name="array"/> back for another original. Kept while the idle count and bytes allow, in place of
    /// the oldest idle array if need be (the sizes asked for lately are the ones likely to be asked for next); else
    /// left to the GC. The caller must not touch it afterwards.
    /// </summary>
    public void Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length < MinimumPooledLength || array.Length > maxIdleBytes || array.Length != ArrayLengthFor(array.Length))
        {
            return;
        }

        lock (_lock)
        {
            while (_idle.Count > 0 && (_idle.Count >= maxIdleCount || _idleBytes + array.Length > maxIdleBytes))
            {
                _idleBytes -= _idle[0].Length;
                _idle.RemoveAt(0);
            }

            if (_idle.Count < maxIdleCount)
            {
                _idle.Add(array);
                _idleBytes += array.Length;
            }
        }
    }
}
