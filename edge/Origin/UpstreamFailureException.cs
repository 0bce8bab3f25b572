using EdgeImages.Hosting.Problems;

namespace EdgeImages.Edge.Origin;

/// <summary>How a fetch from the origin failed, as the metrics, the cache and the nodes' health act on it.</summary>
internal enum OriginFailureKind
{
    /// <summary>No answer: connection refused or reset before a response, DNS, TLS.</summary>
    Transport,

    /// <summary>The response started and the connection ended (or was reset) before the body did.</summary>
    Truncated,

    /// <summary>The attempt ran out of <c>Origin:TryTimeout</c>, or the fetch out of <c>Originals:FetchTimeout</c>.</summary>
    Timeout,

    /// <summary>The node answered with a status the edge has no use for (500, 502, a 503 without <c>Retry-After</c>, …).</summary>
    Status,

    /// <summary>
    /// The origin said it is unavailable for now (503 with <c>Retry-After</c>, e.g. its database failing over). The
    /// origin is reachable and says so on purpose: no node is to blame, and the breaker does not count it.
    /// </summary>
    Unavailable,

    /// <summary>No attempt was made: the breaker is open after the cluster failed repeatedly.</summary>
    BreakerOpen,

    /// <summary>No attempt was made: the tenant's origin cluster is not configured on this edge.</summary>
    UnknownCluster,
}

/// <summary>
/// A fetch that failed because of the origin rather than the request: the one typed failure that the cache answers
/// with a stale copy when it holds one. It carries its public status: 504 for a timeout, 503 (with the origin's
/// <c>Retry-After</c>) when the origin said it is unavailable, 502 for everything else. Never a 500.
/// </summary>
internal sealed class UpstreamFailureException : ProblemException
{
    private UpstreamFailureException(OriginFailureKind kind, int status, string title, string detail, TimeSpan? retryAfter)
        : base(status, title, detail, retryAfter) => Kind = kind;

    public OriginFailureKind Kind { get; }

    public static UpstreamFailureException Of(OriginFailureKind kind, TimeSpan? retryAfter = null) => kind switch
    {
        OriginFailureKind.Timeout => new(kind, 504, "Origin timed out", "The origin did not answer in time.", null),
        OriginFailureKind.Unavailable => new(kind, 503, "Origin unavailable", "The origin is temporarily unavailable; try again later.", retryAfter),
        OriginFailureKind.BreakerOpen => new(kind, 502, "Origin failed", "The origin is unavailable.", null),
        OriginFailureKind.UnknownCluster => new(kind, 502, "Origin failed", "The tenant's origin is not known to this edge.", null),
        OriginFailureKind.Truncated => new(kind, 502, "Origin failed", "The origin ended the original before its last byte.", null),
        _ => new(kind, 502, "Origin failed", "The origin failed to return the original.", null),
    };
}
