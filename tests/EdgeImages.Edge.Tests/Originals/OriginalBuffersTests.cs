using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Transforms;

namespace EdgeImages.Edge.Tests.Originals;

/// <summary>The arrays originals are read into: sized within a quarter of the body, used again, idle within bounds.</summary>
public sealed class OriginalBuffersTests
{
    private const int MiB = 1024 * 1024;

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1000, 1000)]
    [InlineData(OriginalBuffers.MinimumPooledLength - 1, OriginalBuffers.MinimumPooledLength - 1)]
    [InlineData(2 * MiB, 2 * MiB)]
    [InlineData(2 * MiB + 1, 2 * MiB + MiB / 2)]
    [InlineData(2_831_155, 3 * MiB)] // the 12 MP baseline photo of the benchmarks
    [InlineData(3 * MiB + 1, 3 * MiB + MiB / 2)]
    [InlineData(4 * MiB, 4 * MiB)]
    public void ArrayLengthFor_SmallBodiesExact_LargeOnesUpToTheNextQuarterStep(int length, int expected) =>
        Assert.Equal(expected, OriginalBuffers.ArrayLengthFor(length));

    [Fact]
    public void ArrayLengthFor_EveryLargeLength_FitsWithinAQuarter_FourSizesPerDoubling()
    {
        var sizes = new HashSet<int>();
        for (var length = MiB + 1; length <= 2 * MiB; length += 997)
        {
            var arrayLength = OriginalBuffers.ArrayLengthFor(length);
            Assert.InRange(arrayLength, length, length + length / 4);
            sizes.Add(arrayLength);
        }

        Assert.Equal([MiB + MiB / 4, MiB + MiB / 2, MiB + 3 * MiB / 4, 2 * MiB], sizes.Order());
    }

    [Fact]
    public void Rent_AfterReturn_GivesTheSameArrayForABodyOfItsSize_ANewOneForAnotherSize()
    {
        var pool = new OriginalBuffers(maxIdleCount: 4, maxIdleBytes: 64 * MiB);
        var first = pool.Rent(2_800_000);
        pool.Return(first);

        var other = pool.Rent(5 * MiB);
        var again = pool.Rent(2_900_000);

        Assert.Same(first, again);
        Assert.NotSame(first, other);
        Assert.Equal(0, pool.IdleBytes);
    }

    [Fact]
    public void Return_PastTheIdleCount_KeepsTheNewest()
    {
        var pool = new OriginalBuffers(maxIdleCount: 2, maxIdleBytes: 64 * MiB);
        var arrays = new[] { pool.Rent(MiB), pool.Rent(2 * MiB), pool.Rent(3 * MiB) };
        foreach (var array in arrays)
        {
            pool.Return(array);
        }

        Assert.Equal(5 * MiB, pool.IdleBytes);
        Assert.NotSame(arrays[0], pool.Rent(MiB));
        Assert.Same(arrays[2], pool.Rent(3 * MiB));
    }

    [Fact]
    public void Return_PastTheIdleBytes_DropsTheOldest_AndNeverKeepsMore()
    {
        var pool = new OriginalBuffers(maxIdleCount: 8, maxIdleBytes: 5 * MiB);
        var first = pool.Rent(3 * MiB);
        var second = pool.Rent(3 * MiB);
        var large = pool.Rent(6 * MiB);

        pool.Return(first);
        pool.Return(second);
        Assert.Equal(3 * MiB, pool.IdleBytes);
        pool.Return(large);
        Assert.Equal(3 * MiB, pool.IdleBytes);
        Assert.Same(second, pool.Rent(3 * MiB));
    }

    [Theory]
    [InlineData(96, 24)]
    [InlineData(32, 8)]
    public void For_ABudget_KeepsAtMostAQuarterOfItIdle(int budgetMiB, int idleMiB)
    {
        var pool = OriginalBuffers.For(new MemoryBudgetOptions { MemoryBudgetBytes = budgetMiB * (long)MiB });

        for (var i = 0; i < 8; i++)
        {
            pool.Return(new byte[8 * MiB]);
        }

        Assert.Equal(idleMiB * (long)MiB, pool.IdleBytes);
    }

    [Fact]
    public void Return_OfSmallOrOddSizedArrays_KeepsNothing()
    {
        var pool = new OriginalBuffers(maxIdleCount: 8, maxIdleBytes: 64 * MiB);

        pool.Return(pool.Rent(1000));
        pool.Return(new byte[3 * MiB - 1]);

        Assert.Equal(0, pool.IdleBytes);
    }
}
