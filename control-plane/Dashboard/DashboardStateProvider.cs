using System.Collections.Concurrent;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Routing;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Purges;
using EdgeImages.Telemetry.Dashboard;

namespace EdgeImages.ControlPlane.Dashboard;

/// <summary>
/// Assembles the operator dashboard's state (monitoring/README.md) from the watched view of etcd (regions, PoPs, live
/// edges, the leader's probes, drains, signing keys), the recent purges in etcd, and a scrape of every live edge's
/// <c>/metrics</c>. One assembly serves every viewer for <see cref="CacheFor"/>: the page polls every 2 s, and a room
/// of operators must not multiply the scrapes. Nothing secret is in it: signing keys by kid and state only, and no
/// admin API keys (listing those needs the admin scope).
/// </summary>
internal sealed partial class DashboardStateProvider(
    ClusterView view, EtcdStore etcd, DocumentReader documents, EdgeScraper scraper, TimeProvider time, ILogger<DashboardStateProvider> logger) : IDisposable
{
    /// <summary>The page's refresh period: a fresher state would be drawn by nobody.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private const int RecentPurges = 20;

    private readonly SemaphoreSlim _gate = new(1, 1);
    // Previous sample per edge, for requests per second between two scrapes.
    private readonly ConcurrentDictionary<string, EdgeSample> _previous = new(StringComparer.Ordinal);
    // When a purge was first seen applied everywhere, for those seen pending before: an upper bound of its lag.
    private readonly ConcurrentDictionary<string, double?> _purgeLag = new(StringComparer.Ordinal);
    private IReadOnlyList<(PurgeDocument Document, long Revision)> _purges = [];
    private DashboardState? _last;
    private DateTimeOffset _lastAt;

    public async Task<DashboardState> GetAsync(CancellationToken cancellationToken)
    {
        // Callers that arrive while one assembles wait for it and take its answer: one scrape per period at most.
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (_last is not null && now - _lastAt < CacheFor)
            {
                return _last;
            }

            // Not the caller's token: the state is shared, and one viewer closing a tab must not leave every other
            // viewer a picture of unanswered scrapes. Scrapes and etcd reads are bounded by their own timeouts.
            _last = await BuildAsync(CancellationToken.None).ConfigureAwait(false);
            _lastAt = now;
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<DashboardState> BuildAsync(CancellationToken cancellationToken)
    {
        var state = view.Current;
        var scrapes = state.Edges.Select(async edge => (edge.Key, Sample: await scraper.ScrapeAsync(edge.Value.Address, cancellationToken).ConfigureAwait(false)));
        var samples = (await Task.WhenAll(scrapes).ConfigureAwait(false)).ToDictionary(s => s.Key, s => s.Sample, StringComparer.Ordinal);
        var purges = await RecentPurgesAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();

        var routable = state.Pops.Values
            .Where(pop => !state.Drains.ContainsKey(pop.Id) && Router.HealthyEdges(state, pop.Id).Count > 0)
            .ToList();
        var regions = state.Regions.Values
            .OrderBy(region => region.Name, StringComparer.Ordinal)
            .Select(region => new RegionState(
                region.Id,
                region.Name,
                [.. state.Pops.Values.Where(pop => pop.Region == region.Id).OrderBy(pop => pop.Id, StringComparer.Ordinal).Select(pop => Pop(state, pop, routable, samples, now))],
                [.. routable.OrderBy(pop => Router.DistanceKm(region.Latitude, region.Longitude, pop.Latitude, pop.Longitude)).Select(pop => pop.Id)]))
            .ToList();

        foreach (var (key, sample) in samples)
        {
            if (sample is not null)
            {
                _previous[key] = sample;
            }
        }

        return new DashboardState(now, state.Revision, regions, Purges(state, purges, samples, now), Keys(state));
    }

    private PopState Pop(ClusterState state, PopDocument pop, List<PopDocument> routable, Dictionary<string, EdgeSample?> samples, DateTimeOffset now)
    {
        var edges = state.Edges.Where(edge => edge.Value.Pop == pop.Id).OrderBy(edge => edge.Value.EdgeId, StringComparer.Ordinal).ToList();
        var edgeStates = edges.Select(edge => Edge(state, edge.Key, edge.Value, samples.GetValueOrDefault(edge.Key), now)).ToList();
        var health = edgeStates.Count == 0 ? "Down"
            : edgeStates.All(e => e.Health == "Healthy") ? "Healthy"
            : edgeStates.Any(e => e.Health != "Unhealthy") ? "Degraded"
            : "Unhealthy";
        var drained = state.Drains.ContainsKey(pop.Id);
        var routing = drained ? "draining" : routable.Any(p => p.Id == pop.Id) ? "active" : "out";
        var routedTo = routing == "active" ? null : routable
            .Where(other => other.Id != pop.Id)
            .OrderBy(other => Router.DistanceKm(pop.Latitude, pop.Longitude, other.Latitude, other.Longitude))
            .Select(other => other.Id)
            .FirstOrDefault();

        // Counters since each edge started: the ratios are over its lifetime, the rate over the last two scrapes.
        // Prometheus (edgeimages:hit_ratio:rate5m) has the 5-minute view; this is the "right now, here" view.
        var scraped = edges.Select(edge => (edge.Key, Sample: samples.GetValueOrDefault(edge.Key))).Where(s => s.Sample is not null).ToList();
        double cacheable = scraped.Sum(s => s.Sample!.Cacheable), hits = scraped.Sum(s => s.Sample!.Hits);
        double requests = scraped.Sum(s => s.Sample!.Requests), errors = scraped.Sum(s => s.Sample!.Errors);
        var rates = scraped.Select(s => Rate(s.Key, s.Sample!)).Where(rate => rate is not null).ToList();
        return new PopState(
            pop.Id,
            pop.Id.ToUpperInvariant(),
            health,
            routing,
            routedTo,
            rates.Count == 0 ? null : Math.Round(rates.Sum()!.Value, 2),
            cacheable > 0 ? hits / cacheable : null,
            requests > 0 ? errors / requests : null,
            edgeStates);
    }

    private static EdgeState Edge(ClusterState state, string key, EdgeRegistration edge, EdgeSample? sample, DateTimeOffset now)
    {
        // The leader's probe and the edge's own readiness decide; a missing origin or Redis leaves it serving, degraded.
        var probeFailed = state.Probes.TryGetValue(key, out var probe) && !probe.Healthy;
        var health = probeFailed || !edge.Ready ? "Unhealthy"
            : !edge.OriginReachable || edge.CacheTier.Contains("down", StringComparison.Ordinal) ? "Degraded"
            : "Healthy";
        var appliedAt = sample?.ConfigAppliedAt ?? edge.UpdatedAt;
        return new EdgeState(edge.EdgeId, health, sample?.ConfigVersion ?? edge.ConfigRevision, Math.Max(0, Math.Round((now - appliedAt).TotalSeconds, 1)));
    }

    private double? Rate(string key, EdgeSample sample)
    {
        if (!_previous.TryGetValue(key, out var previous) || sample.Requests < previous.Requests)
        {
            return null; // first sight of this edge, or it restarted
        }

        var seconds = (sample.At - previous.At).TotalSeconds;
        return seconds > 0 ? (sample.Requests - previous.Requests) / seconds : null;
    }

    private List<PurgeState> Purges(ClusterState state, IReadOnlyList<(PurgeDocument Document, long Revision)> purges, Dictionary<string, EdgeSample?> samples, DateTimeOffset now)
    {
        var livePops = state.Edges.Values.Select(edge => edge.Pop).Distinct(StringComparer.Ordinal).ToList();
        var result = new List<PurgeState>(purges.Count);
        foreach (var (purge, revision) in purges)
        {
            // A PoP has applied a purge when every edge of it has applied etcd changes up to the purge's revision.
            var applied = livePops.Count(pop => state.Edges
                .Where(edge => edge.Value.Pop == pop)
                .All(edge => samples.GetValueOrDefault(edge.Key) is { } sample && sample.Revision >= revision));
            double? lag = null;
            if (applied < livePops.Count)
            {
                _purgeLag.TryAdd(purge.Id, null);
            }
            else if (_purgeLag.TryGetValue(purge.Id, out var seen))
            {
                lag = seen ?? Math.Max(0, (now - purge.At).TotalSeconds);
                _purgeLag[purge.Id] = lag;
            }

            result.Add(new PurgeState(purge.Id, purge.Tenant, Target(purge), purge.At, applied, livePops.Count, lag is null ? null : Math.Round(lag.Value, 2)));
        }

        foreach (var gone in _purgeLag.Keys.Except(purges.Select(p => p.Document.Id)).ToList())
        {
            _purgeLag.TryRemove(gone, out _);
        }

        return result;
    }

    // An event that names nothing valid (written around the API) is shown as it was stored, marked.
    private static string Target(PurgeDocument purge) => PurgeTarget.FromDocument(purge)?.Display ?? $"{purge.Tenant}/? (invalid)";

    private static List<KeyState> Keys(ClusterState state) =>
        [.. state.SigningKeys.Values
            .OrderBy(key => key.State switch { SigningKeyDocument.Active => 0, SigningKeyDocument.VerifyOnly => 1, _ => 2 })
            .ThenByDescending(key => key.CreatedAt)
            .Select(key => new KeyState(key.Kid, "signing", null, key.State, key.State == SigningKeyDocument.Retired ? key.RetiredAt : key.RetireAt))];

    private async Task<IReadOnlyList<(PurgeDocument Document, long Revision)>> RecentPurgesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var range = await etcd.RangeAsync(etcd.Keys.Purges, cancellationToken, RecentPurges, descending: true).ConfigureAwait(false);
            _purges = [.. documents.ReadAllWithValues<PurgeDocument>(range.Kvs).Select(read => (read.Document, read.Kv.ModRevision))];
        }
        catch (EtcdUnavailableException exception)
        {
            // Without a quorum the page keeps the purges it last saw; the topology comes from the watched view anyway.
            Log.PurgesUnavailable(logger, exception.Message);
        }

        return _purges;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Dashboard: recent purges could not be read ({Reason}); showing the last ones seen.")]
        public static partial void PurgesUnavailable(ILogger logger, string reason);
    }
}
