using System.Threading.RateLimiting;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Runs CPU-bound transform work within a fixed number of slots and a short queue; beyond them, and past
/// the per-request deadline, it sheds with 503 and <c>Retry-After</c>. Cache hits never come here, so they
/// never wait behind transforms.
/// </summary>
internal sealed class TransformScheduler : IDisposable
{
    private readonly ConcurrencyLimiter _slots;
    private readonly TransformSchedulerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly EdgeMetrics? _metrics;

    public TransformScheduler(IOptions<TransformSchedulerOptions> options, TimeProvider timeProvider, EdgeMetrics? metrics = null)
    {
        _metrics = metrics;
        _options = options.Value;
        _timeProvider = timeProvider;
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.EffectiveConcurrency,
            QueueLimit = _options.EffectiveQueueLength,
            // Oldest first: the request that waited longest is the closest to giving up.
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        metrics?.TrackTransformQueue(() => QueuedCount);
    }

    /// <summary>Transforms queued or running now.</summary>
    public long QueuedCount => _slots.GetStatistics()?.CurrentQueuedCount ?? 0;

    public async Task<T> RunAsync<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.Deadline, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            using var lease = await _slots.AcquireAsync(1, linked.Token).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                _metrics?.TransformShed(ShedReason.QueueFull);
                throw EdgeProblemException.Overloaded("Too many transforms are waiting; try again shortly.", _options.RetryAfter);
            }

            // The work is synchronous and CPU-bound; it checks the token between its steps.
            return work(linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _metrics?.TransformShed(ShedReason.Deadline);
            throw EdgeProblemException.Overloaded("The transform did not finish within its deadline.", _options.RetryAfter);
        }
    }

    public void Dispose() => _slots.Dispose();
}
