using EdgeImages.ControlPlane.Http;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Purge;

/// <summary>
/// A token bucket per admin key (by the actor the authenticator names), so that one key's runaway script is refused
/// with 429 while other keys purge on (<c>Purge:PerKeyPerSecond</c>, <c>Purge:Burst</c>).
/// </summary>
internal sealed class PurgeRateLimiter(IOptions<PurgeOptions> options) : IDisposable
{
    private readonly TokenBucketsPerKey<string> _buckets = new(options.Value.Burst, options.Value.PerKeyPerSecond, TimeSpan.FromSeconds(1));

    /// <summary>Takes one purge from <paramref name="actor"/>'s bucket, or refuses with 429 and when to try again.</summary>
    public void Take(string actor)
    {
        if (!_buckets.TryTake(actor, out var retryAfter))
        {
            throw new ControlPlaneProblemException(429, "Too many requests", "This admin key has issued too many purges; try again shortly.", retryAfter);
        }
    }

    public void Dispose() => _buckets.Dispose();
}
