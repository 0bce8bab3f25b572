using System.Threading.RateLimiting;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Runs CPU-bound transform work within a fixed number of slots and a short queue; beyond them, and past
/// the per-request deadline, it sheds with 503 and <c>Retry-After</c>. Cache hits never come here, so they
/// never wait behind transforms; and the work runs on the scheduler's own threads at a higher nice value
/// (<see cref="TransformSchedulerWorkers"/>), so that hits and 503s are not left waiting for a core either.
/// </summary>
internal sealed partial class TransformScheduler : IDisposable
{
    private readonly ConcurrencyLimiter _slots;
    private readonly TransformSchedulerWorkers _workers;
    private readonly TransformSchedulerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly EdgeMetrics? _metrics;

    public TransformScheduler(IOptions<TransformSchedulerOptions> options, TimeProvider timeProvider, EdgeMetrics? metrics = null, ILogger<TransformScheduler>? logger = null)
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
        // One thread per slot: a slot's holder always finds a thread free.
        _workers = new TransformSchedulerWorkers(_options.EffectiveConcurrency, _options.WorkerNice);
        _ = WarnIfNotNicedAsync(logger);
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
            return await _workers.RunAsync(work, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _metrics?.TransformShed(ShedReason.Deadline);
            throw EdgeProblemException.Overloaded("The transform did not finish within its deadline.", _options.RetryAfter);
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _workers.Dispose();
    }

    private async Task WarnIfNotNicedAsync(ILogger? logger)
    {
        if (logger is null || _workers.Nice == 0)
        {
            return;
        }

        // The threads set their own nice value as they start; give them a moment before looking.
        await Task.Delay(TimeSpan.FromSeconds(1), _timeProvider).ConfigureAwait(false);
        if (_workers.NiceFailed)
        {
            Log.NiceFailed(logger, _workers.Nice);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Transform threads could not lower their priority to nice {Nice}; they run at the request path's priority.")]
        public static partial void NiceFailed(ILogger logger, int nice);
    }
}
