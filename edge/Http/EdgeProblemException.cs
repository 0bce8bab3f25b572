using EdgeImages.Hosting.Problems;

namespace EdgeImages.Edge.Http;

/// <summary>The edge's failures, each with its status and public title (see <see cref="ProblemException"/>).</summary>
internal sealed class EdgeProblemException(int status, string title, string detail, TimeSpan? retryAfter = null)
    : ProblemException(status, title, detail, retryAfter)
{
    /// <summary>A shed for lack of capacity: a stale copy, where one is held, answers instead (see the variant cache).</summary>
    public bool IsOverload { get; private init; }

    public static EdgeProblemException BadRequest(string detail) => new(400, "Bad request", detail);

    public static EdgeProblemException Forbidden(string detail) => new(403, "Forbidden", detail);

    public static EdgeProblemException MethodNotAllowed(string detail) => new(405, "Method not allowed", detail);

    public static EdgeProblemException NotFound(string detail) => new(404, "Not found", detail);

    /// <summary>
    /// When the edge learnt the 404 it answers from its negative cache (<see cref="Caching.NotFoundCache"/>), or null for
    /// an answer that was not remembered: a cached answer says so (<c>X-Cache</c>) and how old it is (<c>Age</c>).
    /// </summary>
    public DateTimeOffset? RememberedSince { get; private init; }

    /// <summary>A 404 answered from the negative cache, learnt from the origin at <paramref name="since"/>.</summary>
    public static EdgeProblemException RememberedNotFound(string detail, DateTimeOffset since) =>
        new(404, "Not found", detail) { RememberedSince = since };

    public static EdgeProblemException TooLarge(string detail) => new(413, "Original too large", detail);

    public static EdgeProblemException Unsupported(string detail) => new(415, "Unsupported image", detail);

    public static EdgeProblemException Overloaded(string detail, TimeSpan retryAfter) =>
        new(503, "Overloaded", detail, retryAfter) { IsOverload = true };

}
