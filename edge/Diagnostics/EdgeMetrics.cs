using System.Diagnostics.Metrics;
using System.Globalization;
using EdgeImages.Edge.Origin;
using EdgeImages.Edge.Caching;

namespace EdgeImages.Edge.Diagnostics;

/// <summary>
/// The edge's own metrics, meter <c>EdgeImages.Edge</c>, as Prometheus names them on <c>/metrics</c> (the exporter
/// turns dots into underscores, appends the unit, and <c>_total</c> to counters). Each answers one operator
/// question; the table in <c>monitoring/README.md</c> lists them with the alerts that read them. Labels are small
/// closed sets: nothing a request controls ever becomes a label.
/// </summary>
internal sealed class EdgeMetrics
{
    public const string MeterName = "EdgeImages.Edge";

    // From a cache hit served from memory (~100 µs) to a transform at its deadline (seconds).
    private static readonly IReadOnlyList<double> DurationBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Purges fan out from the control plane in well under a second when all is well; minutes mean an edge missed it.
    private static readonly IReadOnlyList<double> LagBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly TimeProvider _timeProvider;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _stageDuration;
    private readonly Counter<long> _originAttempts;
    private readonly Counter<long> _originErrors;
    private readonly Counter<long> _shed;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _purges;
    private readonly Histogram<double> _purgeLag;
    private readonly Counter<long> _configRejected;
    private Func<long> _transformQueueDepth = static () => 0;
    private Func<long> _memoryTierBytes = static () => 0;
    private Func<long> _memoryTierEntries = static () => 0;
    private ConfigurationState _configuration;
    private long _controlPlaneRevision;

    public EdgeMetrics(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        // Until the control plane feeds configuration, the files read at start are version 0, applied at start.
        _configuration = new ConfigurationState(0, timeProvider.GetUtcNow());

        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>(
            "edgeimages.requests", "{request}", "Image requests answered, by HTTP status and X-Cache tier (hit-memory, hit-redis, stale, miss).");
        _stageDuration = meter.CreateHistogram(
            "edgeimages.stage.duration", "s", "Time spent making a variant on a miss, by stage: fetch, decode, transform, encode.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _originAttempts = meter.CreateCounter<long>(
            "edgeimages.origin.requests", "{request}", "Requests to origin nodes (each attempt, retries included; refused fetches when the breaker is open).");
        _originErrors = meter.CreateCounter<long>(
            "edgeimages.origin.errors", "{error}", "Failed origin requests by kind: timeout, status (5xx or other unexpected), transport (refused, reset), truncated (the body ended early), unavailable (503 with Retry-After), breaker_open, unknown_cluster.");
        _shed = meter.CreateCounter<long>(
            "edgeimages.transforms.shed", "{request}", "Requests shed with 503, by reason: queue_full (the memory queue before the fetch, or the transform queue), deadline (waited or ran past Transforms:Deadline), memory (an admitted miss whose original or decode needed more than the budget had free).");
        _rateLimited = meter.CreateCounter<long>(
            "edgeimages.rate_limited", "{request}", "Requests refused with 429 by the per-client rate limit.");
        _purges = meter.CreateCounter<long>("edgeimages.purges", "{purge}", "Purges applied on this edge.");
        _purgeLag = meter.CreateHistogram(
            "edgeimages.purge.propagation_lag", "s", "Time from the control plane committing a purge (the event's timestamp) to this edge applying it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
        _configRejected = meter.CreateCounter<long>(
            "edgeimages.config.rejected", "{document}",
            "Control-plane documents this edge refused (unparsable or breaking a rule), by kind: signing_key, tenant, cache_generation, purge. The last good value stays.");
        meter.CreateObservableGauge(
            "edgeimages.transforms.queue_depth", () => _transformQueueDepth(), "{request}", "Transforms waiting for a slot now.");
        meter.CreateObservableGauge(
            "edgeimages.cache.memory.size", () => _memoryTierBytes(), "By", "Bytes the memory tier holds now (bodies plus per-entry overhead), against Caching:MemoryLimitBytes.");
        meter.CreateObservableGauge(
            "edgeimages.cache.memory.entries", () => _memoryTierEntries(), "{entry}", "Variants the memory tier holds now.");
        meter.CreateObservableGauge(
            "edgeimages.config.version", () => _configuration.Version, null, "Version of the configuration this edge serves with (0: its files only).");
        meter.CreateObservableGauge(
            "edgeimages.config.applied_timestamp", () => _configuration.AppliedAt.ToUnixTimeMilliseconds() / 1000.0, "s",
            "When that configuration was applied, in Unix seconds; its age is time() minus this.");
        meter.CreateObservableGauge(
            "edgeimages.control_plane.revision", () => Volatile.Read(ref _controlPlaneRevision), null,
            "The etcd revision up to which this edge has applied the control plane's purges (0: not linked).");
    }

    /// <param name="status">The status the client got.</param>
    /// <param name="tier">Where the answer came from (<see cref="CacheTier.Miss"/> for every error, as <c>X-Cache</c> says).</param>
    public void RequestAnswered(int status, CacheTier tier) => _requests.Add(
        1,
        new KeyValuePair<string, object?>("status", StatusLabel(status)),
        new KeyValuePair<string, object?>("cache", CacheLabel(tier)));

    public void VariantProduced(StageTimings timings)
    {
        RecordStage("fetch", timings.Fetch);
        if (timings.Transform != default)
        {
            RecordStage("decode", timings.Transform.Decode);
            RecordStage("transform", timings.Transform.Transform);
            RecordStage("encode", timings.Transform.Encode);
        }
    }

    public void OriginAnswered() => _originAttempts.Add(1);

    public void OriginFailed(OriginFailureKind kind)
    {
        // Refused before any attempt: no request reached a node.
        if (kind is not (OriginFailureKind.BreakerOpen or OriginFailureKind.UnknownCluster))
        {
            _originAttempts.Add(1);
        }

        _originErrors.Add(1, new KeyValuePair<string, object?>("kind", kind switch
        {
            OriginFailureKind.Timeout => "timeout",
            OriginFailureKind.Status => "status",
            OriginFailureKind.Transport => "transport",
            OriginFailureKind.Truncated => "truncated",
            OriginFailureKind.Unavailable => "unavailable",
            OriginFailureKind.UnknownCluster => "unknown_cluster",
            _ => "breaker_open",
        }));
    }

    /// <summary>Counts one request shed with 503, wherever the decision was taken.</summary>
    public void TransformShed(ShedReason reason) =>
        _shed.Add(1, new KeyValuePair<string, object?>("reason", reason switch
        {
            ShedReason.Deadline => "deadline",
            ShedReason.Memory => "memory",
            _ => "queue_full",
        }));

    public void RateLimited() => _rateLimited.Add(1);

    /// <summary>Counts a purge issued at <paramref name="issuedAt"/> (the control plane's clock) and records its lag.</summary>
    public void PurgeApplied(DateTimeOffset issuedAt)
    {
        _purges.Add(1);
        // A clock a little behind the control plane's gives a negative lag; that is zero, not an error.
        _purgeLag.Record(Math.Max(0, (_timeProvider.GetUtcNow() - issuedAt).TotalSeconds));
    }

    /// <summary>Counts a control-plane document refused, by kind (a small closed set, never the key).</summary>
    public void ConfigRejected(string kind) => _configRejected.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>
    /// For the purge applier: every purge up to this etcd revision is applied here. The control plane's dashboard
    /// compares it with a purge's revision to tell which PoPs have applied it.
    /// </summary>
    public void ControlPlaneRevisionApplied(long revision) => Volatile.Write(ref _controlPlaneRevision, revision);

    /// <summary>For the scheduler to say how its queue is read; the gauge calls it at each scrape.</summary>
    public void TrackTransformQueue(Func<long> depth) => _transformQueueDepth = depth;

    /// <summary>For the memory tier to say how its size is read; the gauges call these at each scrape.</summary>
    public void TrackMemoryTier(Func<long> bytes, Func<long> entries) => (_memoryTierBytes, _memoryTierEntries) = (bytes, entries);

    /// <summary>For the control plane's configuration feed: the version now in force.</summary>
    public void ConfigurationApplied(long version) =>
        _configuration = new ConfigurationState(version, _timeProvider.GetUtcNow());

    private void RecordStage(string stage, TimeSpan duration) =>
        _stageDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));

    // Status codes are a closed set on the edge, but a label must never be unbounded: anything odd is "other".
    private static string StatusLabel(int status) => status is >= 100 and <= 599
        ? status.ToString(CultureInfo.InvariantCulture)
        : "other";

    private static string CacheLabel(CacheTier tier) => tier switch
    {
        CacheTier.Memory => "hit-memory",
        CacheTier.Redis => "hit-redis",
        CacheTier.Stale => "stale",
        _ => "miss",
    };

    private sealed record ConfigurationState(long Version, DateTimeOffset AppliedAt);
}

/// <summary>Why a request was shed (the <c>reason</c> label of <c>edgeimages_transforms_shed_total</c>).</summary>
internal enum ShedReason
{
    /// <summary>Every slot and queue place was taken, whether seen before the fetch or when asking for a slot.</summary>
    QueueFull,

    /// <summary><c>Transforms:Deadline</c> passed while the request waited or ran.</summary>
    Deadline,

    /// <summary>
    /// An admitted miss learnt it needs more (the original's length, the decoder's buffers) than the budget has free
    /// now: growing never waits, so it is shed at once.
    /// </summary>
    Memory,
}
