using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Pipeline;

/// <summary>
/// Transforms run on the scheduler's own threads at <c>Transforms:WorkerNice</c>, in the execution context of the
/// request that queued them.
/// </summary>
public sealed class SchedulerThreadsTests
{
    private static readonly AsyncLocal<string?> RequestState = new();

    [Fact]
    public async Task RunAsync_WorkerNice_WorkRunsAtThatNiceValue()
    {
        using var scheduler = new TransformScheduler(Options.Create(new TransformSchedulerOptions { Concurrency = 1, WorkerNice = 7 }), TimeProvider.System);

        var nice = await scheduler.RunAsync(_ => OwnNice(), CancellationToken.None);

        Assert.Equal(7, nice);
    }

    [Fact]
    public async Task RunAsync_RequestAsyncLocal_SeenByTheWork()
    {
        using var scheduler = new TransformScheduler(Options.Create(new TransformSchedulerOptions { Concurrency = 2 }), TimeProvider.System);
        RequestState.Value = "this request";

        var (seen, thread) = await scheduler.RunAsync(_ => (RequestState.Value, Thread.CurrentThread.Name), CancellationToken.None);

        Assert.Equal("this request", seen);
        Assert.StartsWith("transform-", thread, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_TheCallerGetsTheException()
    {
        using var scheduler = new TransformScheduler(Options.Create(new TransformSchedulerOptions { Concurrency = 1 }), TimeProvider.System);

        var thrown = await Assert.ThrowsAsync<InvalidDataException>(() => scheduler.RunAsync<int>(_ => throw new InvalidDataException("bad pixels"), CancellationToken.None));

        Assert.Equal("bad pixels", thrown.Message);
    }

    // Field 19 of /proc/thread-self/stat, counted after the command name's closing parenthesis.
    private static int OwnNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
