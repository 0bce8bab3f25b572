using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// One budget of bytes for the work in flight: originals being fetched or held, pixel buffers being decoded.
/// A miss reserves before its fetch (<see cref="ReserveAsync"/>), waiting in a short queue that is fair between
/// tenants; once admitted it grows its reservation as it learns what it needs (<see cref="MemoryReservation.Require"/>):
/// the announced length of the original, then the decoder's output size from the header. Growing never waits,
/// because two admitted requests each waiting for the other's bytes would hold them both until their deadline;
/// a growth that does not fit is shed with 503 at once, and one that could never fit is a 413.
/// Admission is also bounded by count, at the transform scheduler's slots plus queue, so that an admitted miss
/// always finds a slot or a place in line: this queue, fair between tenants, is the one place misses are shed
/// for overload before their fetch, rather than a second, first-come queue after it.
/// </summary>
internal sealed class MemoryBudget
{
    private const string ShedDetail = "Too many large images are being made at once; try again shortly.";

    private readonly object _lock = new();
    private readonly Dictionary<string, LinkedList<Waiter>> _waiting = new(StringComparer.Ordinal);
    // Tenants with someone waiting, in the order they are served: one grant each, round and round.
    private readonly LinkedList<string> _rotation = new();
    private readonly TimeProvider _timeProvider;
    private readonly EdgeMetrics? _metrics;
    private readonly TimeSpan _deadline;
    private readonly TimeSpan _retryAfter;
    private readonly int _queueLimit;
    private readonly long _firstReservation;
    private readonly int _maxInFlight;
    private long _reserved;
    private int _inFlight;
    private int _queued;
    private long _typical;

    public MemoryBudget(
        IOptions<MemoryBudgetOptions> options, IOptions<TransformSchedulerOptions> scheduler, TimeProvider timeProvider, EdgeMetrics? metrics = null)
    {
        TotalBytes = options.Value.EffectiveBudgetBytes;
        _queueLimit = options.Value.EffectiveQueueLength;
        _firstReservation = Math.Min(options.Value.MemoryFirstReservationBytes, TotalBytes);
        _typical = _firstReservation;
        _maxInFlight = scheduler.Value.EffectiveConcurrency + scheduler.Value.EffectiveQueueLength;
        _deadline = scheduler.Value.Deadline;
        _retryAfter = scheduler.Value.RetryAfter;
        _timeProvider = timeProvider;
        _metrics = metrics;
    }

    public long TotalBytes { get; }

    /// <summary>Bytes reserved now.</summary>
    public long ReservedBytes
    {
        get
        {
            lock (_lock)
            {
                return _reserved;
            }
        }
    }

    /// <summary>Misses waiting for memory now.</summary>
    public int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _queued;
            }
        }
    }

    /// <summary>What a miss reserves before anything is known of it: what recent misses needed at their peak.</summary>
    public long AdmissionBytes => Math.Clamp(Interlocked.Read(ref _typical), _firstReservation, Math.Max(_firstReservation, TotalBytes / 4));

    /// <summary>
    /// Reserves <see cref="AdmissionBytes"/> for a miss of <paramref name="tenant"/>, waiting while the budget is
    /// spent. Sheds with 503 and <c>Retry-After</c> when the queue is full (the tenant with the most waiting loses
    /// its newest waiter first) or the wait outlasts the transform deadline.
    /// </summary>
    public ValueTask<MemoryReservation> ReserveAsync(string tenant, CancellationToken cancellationToken) =>
        ReserveAsync(tenant, AdmissionBytes, cancellationToken);

    public async ValueTask<MemoryReservation> ReserveAsync(string tenant, long bytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes > TotalBytes)
        {
            throw TooLarge(bytes);
        }

        Waiter waiter;
        Waiter? evicted = null;
        lock (_lock)
        {
            if (_queued == 0 && Fits(bytes))
            {
                _reserved += bytes;
                _inFlight++;
                return new MemoryReservation(this, bytes);
            }

            if (_queued >= _queueLimit)
            {
                // Fair shedding: the tenant with the most waiting (counting this one) gives up its newest waiter,
                // so one tenant's flood of misses is shed before anyone else's single request.
                var heaviest = HeaviestTenant();
                var ownCount = _waiting.TryGetValue(tenant, out var own) ? own.Count + 1 : 1;
                if (heaviest is null || ownCount >= _waiting[heaviest].Count)
                {
                    Shed(deadline: false);
                    throw Overloaded();
                }

                evicted = _waiting[heaviest].Last!.Value;
                Dequeue(evicted);
            }

            waiter = new Waiter(tenant, bytes);
            Enqueue(waiter);
        }

        if (evicted is not null)
        {
            Shed(deadline: false);
            evicted.Completion.TrySetException(Overloaded());
        }

        using var deadline = new CancellationTokenSource(_deadline, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        await using (linked.Token.Register(() => Abandon(waiter)).ConfigureAwait(false))
        {
            try
            {
                return await waiter.Completion.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Shed(deadline: true);
                throw EdgeProblemException.Overloaded("The image did not get memory to be made within its deadline.", _retryAfter);
            }
        }
    }

    /// <summary>Grows <paramref name="reservation"/> by <paramref name="bytes"/> now, or not at all.</summary>
    internal bool TryGrow(long bytes)
    {
        lock (_lock)
        {
            if (_reserved + bytes > TotalBytes)
            {
                return false;
            }

            _reserved += bytes;
            return true;
        }
    }

    internal EdgeProblemException TooLarge(long bytes) =>
        EdgeProblemException.TooLarge($"Making this image needs about {bytes} bytes of memory, more than the edge's budget of {TotalBytes}.");

    internal EdgeProblemException ShedGrowth()
    {
        _metrics?.TransformShed(ShedReason.Memory);
        return Overloaded();
    }

    internal void Release(long bytes, long peak)
    {
        // The next admissions reserve what misses need lately: an eighth of the way to each new peak.
        var typical = Interlocked.Read(ref _typical);
        Interlocked.Exchange(ref _typical, typical + ((peak - typical) / 8));
        List<Waiter>? granted = null;
        lock (_lock)
        {
            _reserved -= bytes;
            _inFlight--;
            while (_rotation.First is { } next)
            {
                var queue = _waiting[next.Value];
                var head = queue.First!.Value;
                if (!Fits(head.Bytes))
                {
                    // The head waits for room rather than being overtaken by smaller ones, so that it is not starved.
                    break;
                }

                Dequeue(head);
                _reserved += head.Bytes;
                _inFlight++;
                (granted ??= []).Add(head);
                if (_waiting.ContainsKey(next.Value))
                {
                    // Served once: to the back of the rotation.
                    _rotation.Remove(next.Value);
                    _rotation.AddLast(next.Value);
                }
            }
        }

        foreach (var waiter in granted ?? [])
        {
            if (!waiter.Completion.TrySetResult(new MemoryReservation(this, waiter.Bytes)))
            {
                // Cancelled between the grant and here: give the bytes back.
                Release(waiter.Bytes, waiter.Bytes);
            }
        }
    }

    private bool Fits(long bytes) => _reserved + bytes <= TotalBytes && _inFlight < _maxInFlight;

    private void Abandon(Waiter waiter)
    {
        bool removed;
        lock (_lock)
        {
            removed = waiter.Node.List is not null;
            if (removed)
            {
                Dequeue(waiter);
            }
        }

        if (removed)
        {
            waiter.Completion.TrySetCanceled();
        }
    }

    private string? HeaviestTenant()
    {
        string? heaviest = null;
        var most = 0;
        foreach (var (tenant, queue) in _waiting)
        {
            if (queue.Count > most)
            {
                (heaviest, most) = (tenant, queue.Count);
            }
        }

        return heaviest;
    }

    private void Enqueue(Waiter waiter)
    {
        if (!_waiting.TryGetValue(waiter.Tenant, out var queue))
        {
            _waiting[waiter.Tenant] = queue = new LinkedList<Waiter>();
            _rotation.AddLast(waiter.Tenant);
        }

        queue.AddLast(waiter.Node);
        _queued++;
    }

    private void Dequeue(Waiter waiter)
    {
        var queue = _waiting[waiter.Tenant];
        queue.Remove(waiter.Node);
        _queued--;
        if (queue.Count == 0)
        {
            _waiting.Remove(waiter.Tenant);
            _rotation.Remove(waiter.Tenant);
        }
    }

    private EdgeProblemException Overloaded() => EdgeProblemException.Overloaded(ShedDetail, _retryAfter);

    private void Shed(bool deadline) => _metrics?.TransformShed(deadline ? ShedReason.Deadline : ShedReason.QueueFull);

    private sealed class Waiter
    {
        public Waiter(string tenant, long bytes)
        {
            Tenant = tenant;
            Bytes = bytes;
            Node = new LinkedListNode<Waiter>(this);
        }

        public string Tenant { get; }

        public long Bytes { get; }

        public LinkedListNode<Waiter> Node { get; }

        public TaskCompletionSource<MemoryReservation> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
