namespace EdgeImages.Edge.Transforms;

/// <summary>
/// The bytes one miss holds of the <see cref="MemoryBudget"/>, from before its fetch until its variant is made.
/// Each stage states what it needs in total (<see cref="Require"/>); disposing gives it all back.
/// </summary>
internal sealed class MemoryReservation : IDisposable
{
    // The reservation of the miss this code runs for, as Activity.Current carries a trace: it reaches the
    // original stores' body readers without a parameter on IOriginalStore and through the origin's retry code,
    // which neither needs to know. Set with Enter; an async method's change is invisible to its caller.
    private static readonly AsyncLocal<MemoryReservation?> Ambient = new();

    private readonly MemoryBudget _budget;
    private long _bytes;
    private long _peak;
    private int _disposed;

    internal MemoryReservation(MemoryBudget budget, long bytes)
    {
        _budget = budget;
        _bytes = bytes;
        _peak = bytes;
    }

    /// <summary>The reservation of the miss this code runs for, if any.</summary>
    public static MemoryReservation? Current => Ambient.Value;

    /// <summary>Bytes held now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Makes this the <see cref="Current"/> reservation for the calling async flow.</summary>
    public void Enter() => Ambient.Value = this;

    /// <summary>
    /// Holds at least <paramref name="totalBytes"/> from now on. Never waits: 413 when that is more than the
    /// whole budget, 503 with <c>Retry-After</c> when the budget cannot spare it now.
    /// </summary>
    public void Require(long totalBytes)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var held = Interlocked.Read(ref _bytes);
        if (totalBytes <= held)
        {
            return;
        }

        if (totalBytes > _budget.TotalBytes)
        {
            throw _budget.TooLarge(totalBytes);
        }

        if (!_budget.TryGrow(totalBytes - held))
        {
            throw _budget.ShedGrowth();
        }

        Interlocked.Add(ref _bytes, totalBytes - held);
        _peak = Math.Max(_peak, totalBytes);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _budget.Release(Interlocked.Exchange(ref _bytes, 0), _peak);
        }
    }
}
