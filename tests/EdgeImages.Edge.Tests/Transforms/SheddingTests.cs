using System.Net;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Pipeline;

public sealed class SheddingTests
{
    [Fact]
    public async Task Scheduler_SlotsAndQueueFull_ShedsWith503AndRetryAfter()
    {
        using var scheduler = new TransformScheduler(
            Options.Create(new TransformSchedulerOptions { Concurrency = 1, QueueLength = 1, RetryAfter = TimeSpan.FromSeconds(2) }),
            TimeProvider.System);
        using var release = new ManualResetEventSlim();
        using var started = new SemaphoreSlim(0);

        var running = Task.Run(() => scheduler.RunAsync(_ => { started.Release(); release.Wait(CancellationToken.None); return 1; }, CancellationToken.None));
        await started.WaitAsync();
        var queued = scheduler.RunAsync(_ => 2, CancellationToken.None);

        var shed = await Assert.ThrowsAsync<EdgeProblemException>(() => scheduler.RunAsync(_ => 3, CancellationToken.None));
        release.Set();

        Assert.Equal(503, shed.Status);
        Assert.Equal(TimeSpan.FromSeconds(2), shed.RetryAfter);
        Assert.Equal(1, await running);
        Assert.Equal(2, await queued);
    }

    [Fact]
    public async Task Scheduler_DeadlinePassesWhileQueued_Sheds503()
    {
        using var scheduler = new TransformScheduler(
            Options.Create(new TransformSchedulerOptions { Concurrency = 1, QueueLength = 4, Deadline = TimeSpan.FromMilliseconds(200) }),
            TimeProvider.System);
        using var release = new ManualResetEventSlim();
        using var started = new SemaphoreSlim(0);
        var running = Task.Run(() => scheduler.RunAsync(_ => { started.Release(); release.Wait(CancellationToken.None); return 1; }, CancellationToken.None));
        await started.WaitAsync();

        var late = await Assert.ThrowsAsync<EdgeProblemException>(() => scheduler.RunAsync(_ => 2, CancellationToken.None));
        release.Set();

        Assert.Equal(503, late.Status);
        Assert.NotNull(late.RetryAfter);
        Assert.Equal(1, await running);
    }

    [Fact]
    public async Task TransformPastDeadline_Returns503WithRetryAfter_NotCached()
    {
        // Timers as short as the deadline fire at once, so the deadline has passed however fast the machine is.
        await using var edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Transforms:Deadline"] = "00:00:00.001" },
            services => services.AddSingleton<TimeProvider>(new ExpiredShortTimersTimeProvider(TimeSpan.FromMilliseconds(1))));
        edge.WithOriginal("big.jpg", "photo-landscape-15mp.jpg");

        using var first = await edge.GetAsync("w:300,blur:20", "big.jpg");
        using var second = await edge.GetAsync("w:300,blur:20", "big.jpg");

        await UrlContractTests.AssertProblemAsync(first, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(first.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
    }
}

/// <summary>The system clock, except that a timer due within <c>threshold</c> fires as it is created.</summary>
internal sealed class ExpiredShortTimersTimeProvider(TimeSpan threshold) : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime > threshold || dueTime == Timeout.InfiniteTimeSpan)
        {
            return System.CreateTimer(callback, state, dueTime, period);
        }

        callback(state);
        return System.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }
}

public sealed class RateLimitTests
{
    [Fact]
    public async Task ClientOverItsRate_Returns429WithRetryAfter_HealthStillAnswers()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:PerClientPerSecond"] = "1",
            ["RateLimiting:PerClientBurst"] = "3",
        });
        edge.WithOriginal("a.png", "tiny-2x3.png");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8 && limited is null; i++)
        {
            var response = await edge.GetAsync("w:2", "a.png");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        Assert.NotNull(limited);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        await UrlContractTests.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await edge.Client.GetAsync("/healthz")).StatusCode);
    }
}
