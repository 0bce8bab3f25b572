using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Transforms;

public sealed class MemoryBudgetTests
{
    private const long MiB = 1024 * 1024;

    internal static MemoryBudget Budget(long total, int queue = 4, TimeSpan? deadline = null) => new(
        Options.Create(new MemoryBudgetOptions { MemoryBudgetBytes = total, MemoryQueueLength = queue, MemoryFirstReservationBytes = MiB }),
        Options.Create(new TransformSchedulerOptions { Concurrency = 4, QueueLength = 4, Deadline = deadline ?? TimeSpan.FromSeconds(30), RetryAfter = TimeSpan.FromSeconds(3) }),
        TimeProvider.System);

    [Fact]
    public async Task Reserve_WithinBudget_GrantedAtOnce_ReleasedOnDispose()
    {
        var budget = Budget(10 * MiB);

        using (var reservation = await budget.ReserveAsync("a", 4 * MiB, CancellationToken.None))
        {
            reservation.Require(6 * MiB);
            Assert.Equal(6 * MiB, budget.ReservedBytes);
        }

        Assert.Equal(0, budget.ReservedBytes);
    }

    [Fact]
    public async Task Require_MoreThanWholeBudget_Is413_HoldsNothingMore()
    {
        var budget = Budget(10 * MiB);
        using var reservation = await budget.ReserveAsync("a", MiB, CancellationToken.None);

        var refused = Assert.Throws<EdgeProblemException>(() => reservation.Require(11 * MiB));

        Assert.Equal(413, refused.Status);
        Assert.Equal(MiB, budget.ReservedBytes);
    }

    [Fact]
    public async Task Require_MoreThanIsFreeNow_Sheds503WithRetryAfter_WithoutWaiting()
    {
        var budget = Budget(10 * MiB);
        using var other = await budget.ReserveAsync("a", 8 * MiB, CancellationToken.None);
        using var reservation = await budget.ReserveAsync("b", MiB, CancellationToken.None);

        var shed = Assert.Throws<EdgeProblemException>(() => reservation.Require(3 * MiB));

        Assert.Equal(503, shed.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), shed.RetryAfter);
        Assert.Equal(9 * MiB, budget.ReservedBytes);
    }

    [Fact]
    public async Task BudgetSpent_ReserveWaits_GrantedWhenBytesAreReleased()
    {
        var budget = Budget(10 * MiB);
        var holder = await budget.ReserveAsync("a", 10 * MiB, CancellationToken.None);

        var waiting = budget.ReserveAsync("b", 2 * MiB, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, budget.QueuedCount);
        holder.Dispose();

        using var granted = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2 * MiB, budget.ReservedBytes);
        Assert.Equal(0, budget.QueuedCount);
    }

    [Fact]
    public async Task QueueFullOfOneTenant_OtherTenantArrives_FloodingTenantIsShedFirst()
    {
        var budget = Budget(4 * MiB, queue: 4);
        var holders = new List<MemoryReservation>();
        for (var i = 0; i < 4; i++)
        {
            holders.Add(await budget.ReserveAsync("quiet", MiB, CancellationToken.None));
        }

        var flood = Enumerable.Range(0, 4).Select(_ => budget.ReserveAsync("flood", MiB, CancellationToken.None).AsTask()).ToList();

        // The queue is full of one tenant's misses: another tenant's miss takes the newest one's place.
        var quiet = budget.ReserveAsync("quiet", MiB, CancellationToken.None).AsTask();
        var evicted = await Assert.ThrowsAsync<EdgeProblemException>(() => flood[3]);
        // And the flooding tenant's next miss is shed at once, while it still has the most waiting.
        var refused = await Assert.ThrowsAsync<EdgeProblemException>(() => budget.ReserveAsync("flood", MiB, CancellationToken.None).AsTask());

        Assert.Equal(503, evicted.Status);
        Assert.Equal(503, refused.Status);
        Assert.False(quiet.IsCompleted);
        Assert.Equal(4, budget.QueuedCount);

        // Grants go round the tenants: the quiet tenant's miss is served second, not after the flood's.
        holders[0].Dispose();
        using var first = await flood[0].WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(quiet.IsCompleted);
        holders[1].Dispose();
        using var second = await quiet.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(flood[1].IsCompleted);
        holders[2].Dispose();
        holders[3].Dispose();
        using var third = await flood[1].WaitAsync(TimeSpan.FromSeconds(10));
        using var fourth = await flood[2].WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4 * MiB, budget.ReservedBytes);
    }

    [Fact]
    public async Task AsManyInFlightAsSlotsAndQueue_NextWaitsThoughBytesAreFree()
    {
        // Four slots and four places in the scheduler's queue: an admitted miss always finds one of them.
        var budget = Budget(100 * MiB);
        var admitted = new List<MemoryReservation>();
        for (var i = 0; i < 8; i++)
        {
            admitted.Add(await budget.ReserveAsync("a", MiB, CancellationToken.None));
        }

        var ninth = budget.ReserveAsync("b", MiB, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(ninth.IsCompleted);
        admitted[0].Dispose();

        using var granted = await ninth.WaitAsync(TimeSpan.FromSeconds(10));
        admitted.ForEach(r => r.Dispose());
        Assert.Equal(MiB, budget.ReservedBytes);
    }

    [Fact]
    public async Task WaitOutlastsDeadline_Sheds503_LeavesTheQueue()
    {
        var budget = Budget(4 * MiB, deadline: TimeSpan.FromMilliseconds(100));
        using var holder = await budget.ReserveAsync("a", 4 * MiB, CancellationToken.None);

        var late = await Assert.ThrowsAsync<EdgeProblemException>(() => budget.ReserveAsync("b", MiB, CancellationToken.None).AsTask());

        Assert.Equal(503, late.Status);
        Assert.NotNull(late.RetryAfter);
        Assert.Equal(0, budget.QueuedCount);
        Assert.Equal(4 * MiB, budget.ReservedBytes);
    }

    [Fact]
    public async Task ClientGoesAwayWhileWaiting_LeavesTheQueue_HoldsNothing()
    {
        var budget = Budget(4 * MiB);
        var holder = await budget.ReserveAsync("a", 4 * MiB, CancellationToken.None);
        using var gone = new CancellationTokenSource();

        var waiting = budget.ReserveAsync("b", MiB, gone.Token).AsTask();
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, budget.QueuedCount);
        holder.Dispose();
        Assert.Equal(0, budget.ReservedBytes);
    }

    [Fact]
    public void Options_BudgetUnset_IsAQuarterOfTheMemoryTheProcessMayUse()
    {
        var options = new MemoryBudgetOptions();

        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4, options.EffectiveBudgetBytes);
        Assert.True(new MemoryBudgetOptionsValidator().Validate(null, new MemoryBudgetOptions { MemoryBudgetBytes = 1000 }).Failed);
    }
}
