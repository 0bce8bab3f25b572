using EdgeImages.Edge.Diagnostics;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// What becomes of a control-plane document the edge will not apply (one it cannot parse, or one that breaks
/// <see cref="EdgeImages.Etcd.Documents.DocumentRules"/>), whichever follower read it: logged with its key and counted by
/// kind (<c>edgeimages_config_rejected_total</c>, which the <c>EdgeConfigRejected</c> alert watches). What the edge
/// keeps instead (the last good value, or nothing) is the follower's affair.
/// </summary>
internal sealed partial class DocumentRefusals(EdgeMetrics metrics, ILogger<DocumentRefusals> logger)
{
    /// <param name="kind">The metric's label: <c>signing_key</c>, <c>tenant</c>, <c>cache_generation</c> or <c>purge</c>.</param>
    public void Refuse(string kind, string key, string reason)
    {
        Log.Refused(logger, kind, key, reason);
        metrics.ConfigRejected(kind);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Control-plane {Kind} document {Key} refused: {Reason}. Nothing of it is applied; the edge keeps what it had.")]
        public static partial void Refused(ILogger logger, string kind, string key, string reason);
    }
}
