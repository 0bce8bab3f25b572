using System.Net;
using EdgeImages.ControlPlane.Http;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// Counts failed authentications per client address in a token bucket (<c>Admin:AuthFailuresPerMinute</c>): an
/// address that spent its bucket is answered 429 on every authenticated call, valid key or not, until it refills.
/// Guessing a 256-bit key is hopeless anyway; this keeps a guesser from costing etcd reads and filling the log.
/// </summary>
internal sealed class AuthFailureLimiter(IOptions<AdminOptions> options) : IDisposable
{
    private readonly TokenBucketsPerKey<IPAddress> _buckets =
        new(options.Value.AuthFailuresPerMinute, options.Value.AuthFailuresPerMinute, TimeSpan.FromMinutes(1));

    /// <summary>How long a locked-out address is told to wait: until one more failure is allowed.</summary>
    public TimeSpan RetryAfter => _buckets.RefillTime;

    public bool IsLockedOut(IPAddress? address) => _buckets.IsEmpty(Key(address));

    public void RecordFailure(IPAddress? address) => _buckets.TryTake(Key(address), out _);

    public void Dispose() => _buckets.Dispose();

    // Every client without an address (in-process test servers) shares one bucket.
    private static IPAddress Key(IPAddress? address) => address is null ? IPAddress.None : address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
