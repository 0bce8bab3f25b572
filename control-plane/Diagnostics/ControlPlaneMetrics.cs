using System.Diagnostics.Metrics;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Diagnostics;

/// <summary>
/// The control plane's own metrics, meter <c>EdgeImages.ControlPlane</c>. The gauges are read from the watched view at
/// each scrape, so every replica exports the same values and nothing has to be kept in step; Prometheus takes the max
/// or any. The counters count what this replica met (sum them over replicas).
/// </summary>
internal sealed class ControlPlaneMetrics
{
    public const string MeterName = "EdgeImages.ControlPlane";

    private readonly Counter<long> _documentsUnreadable;

    /// <param name="state">The watched view's state, asked at each scrape (not held: the view reports unreadable documents here).</param>
    public ControlPlaneMetrics(IMeterFactory meterFactory, Func<ClusterState> state)
    {
        var meter = meterFactory.Create(MeterName);
        _documentsUnreadable = meter.CreateCounter<long>(
            "edgeimages.documents.unreadable", "{document}",
            "Stored documents this replica could not read (written into etcd by hand, or by a broken writer), by kind; each stored version once. Left out of lists, 409 when asked for alone.");
        meter.CreateObservableGauge(
            "edgeimages.key.expiry_timestamp",
            () => KeyExpiries(state()),
            "s",
            "When a key expires, in Unix seconds: signing keys scheduled to retire (kind=signing). Read by KeyExpiresSoon/KeyExpiresToday.");
    }

    /// <param name="kind">The document's kind, from its type: <c>tenant</c>, <c>signing_key</c>, <c>admin_key</c>, <c>edge_registration</c>, <c>purge</c>…</param>
    public void DocumentUnreadable(string kind) => _documentsUnreadable.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>
    /// One series per signing key with a retirement scheduled and not yet done. Admin API keys do not expire in this
    /// design, so none is exported for them; the <c>api</c> kind is kept in the alert rules for when they do.
    /// </summary>
    internal static IEnumerable<Measurement<double>> KeyExpiries(ClusterState state) =>
        state.SigningKeys.Values
            .Where(key => key.RetireAt is not null && key.State != SigningKeyDocument.Retired)
            .Select(key => new Measurement<double>(
                key.RetireAt!.Value.ToUnixTimeMilliseconds() / 1000.0,
                new KeyValuePair<string, object?>("kind", "signing"),
                new KeyValuePair<string, object?>("key_id", key.Kid),
                new KeyValuePair<string, object?>("tenant", "")));
}
