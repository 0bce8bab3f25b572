using System.Net;
using EdgeImages.Edge.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeImages.Edge.Tests.RateLimiting;

/// <summary>The per-client token bucket on a fake clock: burst, refill at the rate, one bucket per address, and the sweep.</summary>
public sealed class ClientRateLimiterTests
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress Other = IPAddress.Parse("198.51.100.1");

    [Fact]
    public void TryAcquire_BurstSpent_RefusedUntilTheRateRefillsOne()
    {
        var time = new FakeTimeProvider();
        using var limiter = Limiter(time, perSecond: 2, burst: 3);

        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.False(limiter.TryAcquire(Client, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(0.5), retryAfter);

        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(limiter.TryAcquire(Client, out _));
        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.False(limiter.TryAcquire(Client, out _));
    }

    [Fact]
    public void TryAcquire_OneClientSpent_OtherClientHasItsOwnBucket()
    {
        using var limiter = Limiter(new FakeTimeProvider(), perSecond: 1, burst: 1);

        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.False(limiter.TryAcquire(Client, out _));

        Assert.True(limiter.TryAcquire(Other, out _));
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::")]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7")]
    public void TryAcquire_SameClient_SharesOneBucket(string first, string second)
    {
        // An IPv6 subscriber holds a whole /64; an IPv4 peer may come as itself or mapped, from a dual-stack socket.
        using var limiter = Limiter(new FakeTimeProvider(), perSecond: 1, burst: 1);

        Assert.True(limiter.TryAcquire(IPAddress.Parse(first), out _));
        Assert.False(limiter.TryAcquire(IPAddress.Parse(second), out _));
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1")]
    [InlineData("203.0.113.7", "203.0.113.8")]
    [InlineData("::ffff:203.0.113.7", "::ffff:203.0.113.8")]
    [InlineData("203.0.113.7", "2001:db8::1")]
    public void TryAcquire_DifferentClients_EachItsOwnBucket(string first, string second)
    {
        using var limiter = Limiter(new FakeTimeProvider(), perSecond: 1, burst: 1);

        Assert.True(limiter.TryAcquire(IPAddress.Parse(first), out _));
        Assert.False(limiter.TryAcquire(IPAddress.Parse(first), out _));
        Assert.True(limiter.TryAcquire(IPAddress.Parse(second), out _));
    }

    [Fact]
    public void TryAcquire_LongIdle_NeverMoreThanTheBurst()
    {
        var time = new FakeTimeProvider();
        using var limiter = Limiter(time, perSecond: 10, burst: 2);
        Assert.True(limiter.TryAcquire(Client, out _));

        time.Advance(TimeSpan.FromHours(1));

        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.False(limiter.TryAcquire(Client, out _));
    }

    [Fact]
    public void Sweep_BucketRefilledToTheBurst_Dropped_PartlySpentKept()
    {
        var time = new FakeTimeProvider();
        using var limiter = Limiter(time, perSecond: 1, burst: 5);
        Assert.True(limiter.TryAcquire(Client, out _));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(limiter.TryAcquire(Other, out _));

        // The sweep's timer (every 10 s) has not fired yet: Client is full again, Other is one short.
        limiter.Sweep();

        Assert.Equal(1, limiter.Tracked);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, limiter.Tracked);
    }

    [Fact]
    public void TryAcquire_LimitOff_EveryRequestPasses()
    {
        using var limiter = Limiter(new FakeTimeProvider(), perSecond: 0, burst: 1);

        Assert.False(limiter.IsEnabled);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(limiter.TryAcquire(Client, out _));
        }

        Assert.Equal(0, limiter.Tracked);
    }

    private static ClientRateLimiter Limiter(TimeProvider time, int perSecond, int burst) =>
        new(Options.Create(new ClientRateLimitOptions { PerClientPerSecond = perSecond, PerClientBurst = burst }), time);
}
