using System.Diagnostics.Metrics;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Diagnostics;

/// <summary>
/// The control plane's own metrics, meter <c>EdgeImages.ControlPlane</c>. Read from the watched view at each scrape,
/// so every replica exports the same values and nothing has to be kept in step; Prometheus takes the max or any.
/// </summary>
internal sealed class ControlPlaneMetrics
{
    public const string MeterName = "EdgeImages.ControlPlane";

    public ControlPlaneMetrics(IMeterFactory meterFactory, ClusterView view)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(
            "edgeimages.key.expiry_timestamp",
            () => KeyExpiries(view.Current),
            "s",
            "When a key expires, in Unix seconds: signing keys scheduled to retire (kind=signing). Read by KeyExpiresSoon/KeyExpiresToday.");
    }

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
