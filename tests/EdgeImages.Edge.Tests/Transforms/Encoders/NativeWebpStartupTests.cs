using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Transforms.Encoders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Transforms.Encoders;

/// <summary>An edge without the WebP shim says so once at start-up, as a warning; one with it says which encoder runs.</summary>
public sealed class NativeWebpStartupTests
{
    [Fact]
    public async Task ShimMissing_Start_OneWarning()
    {
        var logger = new FakeLogger<NativeWebpStartup>();

        await new NativeWebpStartup(NativeWebp.None, Options.Create(new TransformLimits()), logger).StartAsync(CancellationToken.None);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Contains(NativeWebp.ShimLibrary, record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShimLoaded_Start_OneInformation()
    {
        var logger = new FakeLogger<NativeWebpStartup>();

        await new NativeWebpStartup(NativeWebp.Default, Options.Create(new TransformLimits()), logger).StartAsync(CancellationToken.None);

        Assert.Equal(LogLevel.Information, Assert.Single(logger.Collector.GetSnapshot()).Level);
    }

    [Fact]
    public async Task SwitchedOff_Start_SaysSoNotMissing()
    {
        var logger = new FakeLogger<NativeWebpStartup>();

        await new NativeWebpStartup(NativeWebp.Default, Options.Create(new TransformLimits { NativeWebp = false }), logger).StartAsync(CancellationToken.None);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Information, record.Level);
        Assert.Contains("NativeWebp=false", record.Message, StringComparison.Ordinal);
    }
}
