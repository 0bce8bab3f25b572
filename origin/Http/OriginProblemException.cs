using EdgeImages.Hosting.Problems;

namespace EdgeImages.Origin.Http;

/// <summary>The origin's failures, each with its status and public title (see <see cref="ProblemException"/>).</summary>
internal sealed class OriginProblemException(int status, string title, string detail, TimeSpan? retryAfter = null)
    : ProblemException(status, title, detail, retryAfter)
{
    public static OriginProblemException BadRequest(string detail) => new(400, "Bad request", detail);

    /// <summary>No credential, or one that nobody issued (or that was revoked); answered with <c>WWW-Authenticate: Bearer</c>.</summary>
    public static OriginProblemException Unauthorized(string detail) => new(401, "Unauthorized", detail);

    /// <summary>A valid credential that may not do this (another tenant's key, an edge credential on a write).</summary>
    public static OriginProblemException Forbidden(string detail) => new(403, "Forbidden", detail);

    public static OriginProblemException NotFound(string detail) => new(404, "Not found", detail);

    public static OriginProblemException TooLarge(string detail) => new(413, "Upload too large", detail);

    public static OriginProblemException Unsupported(string detail) => new(415, "Unsupported image", detail);

    public static OriginProblemException Unavailable(string detail, TimeSpan retryAfter) =>
        new(503, "Service unavailable", detail, retryAfter);
}
