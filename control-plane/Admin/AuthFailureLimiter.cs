using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// Counts failed authentications per client address in a token bucket (<c>Admin:AuthFailuresPerMinute</c>): an
/// address that spent its bucket is answered 429 on every authenticated call, valid key or not, until it refills.
/// Guessing a 256-bit key is hopeless anyway; this keeps a guesser from costing etcd reads and filling the log.
/// </summary>
internal sealed class AuthFailureLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter;

    public AuthFailureLimiter(IOptions<AdminOptions> options)
    {
        var perMinute = options.Value.AuthFailuresPerMinute;
        RetryAfter = TimeSpan.FromSeconds(Math.Ceiling(60.0 / perMinute));
        _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = perMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>How long a locked-out address is told to wait: until one more failure is allowed.</summary>
    public TimeSpan RetryAfter { get; }

    public bool IsLockedOut(IPAddress? address) =>
        _limiter.GetStatistics(Key(address)) is { CurrentAvailablePermits: <= 0 };

    public void RecordFailure(IPAddress? address)
    {
        using var lease = _limiter.AttemptAcquire(Key(address));
    }

    public void Dispose() => _limiter.Dispose();

    // Every client without an address (in-process test servers) shares one bucket.
    private static IPAddress Key(IPAddress? address) => address is null ? IPAddress.None : address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
