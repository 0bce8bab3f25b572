using EdgeImages.LoadTests.Probes;

namespace EdgeImages.LoadTests.Tests.Probes;

public sealed class MissComparisonProbeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void NthMiss_NeverRepeats_AndStaysWithinTheCopiesTheRunMakes(int inputs)
    {
        var settings = new MissComparisonSettings(Rounds: 3, Requests: 24, Connections: 4, Warmup: 48, BeforeAssembly: null, PhotoSet: false, OnlyCase: null);
        var most = (MissComparisonSettings.MaxWarmupBatches + settings.Rounds) * settings.Requests;

        var misses = Enumerable.Range(0, most).Select(k => MissComparisonProbe.NthMiss(k, inputs)).ToList();

        Assert.Equal(most, misses.Distinct().Count());
        Assert.All(misses, miss => Assert.InRange(miss.Width, 390, 409));
        Assert.All(misses, miss => Assert.InRange(miss.Copy, 0, settings.Copies - 1));
        Assert.All(misses, miss => Assert.InRange(miss.Input, 0, inputs - 1));
    }

    [Fact]
    public void WarmedUp_NotBeforeTheMinimum_EvenWhenBatchesAgree()
    {
        Assert.False(MissComparisonProbe.WarmedUp([50.0, 50.0], batchSize: 24, minimum: 72));
        Assert.True(MissComparisonProbe.WarmedUp([50.0, 50.0, 50.0], batchSize: 24, minimum: 72));
    }

    [Fact]
    public void WarmedUp_NotWhileTheCostStillFalls_UntilTheLastBatchAllowed()
    {
        // The edge's tiered JIT: each batch cheaper than the last by more than a tenth.
        var falling = new List<double> { 85.4, 65.8 };
        Assert.False(MissComparisonProbe.WarmedUp(falling, batchSize: 24, minimum: 48));
        falling.Add(60.0);
        Assert.True(MissComparisonProbe.WarmedUp(falling, batchSize: 24, minimum: 48));

        var noisy = Enumerable.Range(0, MissComparisonSettings.MaxWarmupBatches).Select(i => i % 2 == 0 ? 40.0 : 60.0).ToList();
        Assert.False(MissComparisonProbe.WarmedUp(noisy[..^1], batchSize: 24, minimum: 48));
        Assert.True(MissComparisonProbe.WarmedUp(noisy, batchSize: 24, minimum: 48));
    }
}
