using EdgeImages.Hosting.Problems;

namespace EdgeImages.ControlPlane.Http;

/// <summary>The control plane's failures, each with its status and public title (see <see cref="ProblemException"/>).</summary>
internal sealed class ControlPlaneProblemException(int status, string title, string detail, TimeSpan? retryAfter = null)
    : ProblemException(status, title, detail, retryAfter)
{
    public static ControlPlaneProblemException BadRequest(string detail) => new(400, "Bad request", detail);

    public static ControlPlaneProblemException Unauthorized(string detail) => new(401, "Unauthorized", detail);

    public static ControlPlaneProblemException Forbidden(string detail) => new(403, "Forbidden", detail);

    public static ControlPlaneProblemException NotFound(string detail) => new(404, "Not found", detail);

    public static ControlPlaneProblemException Conflict(string detail) => new(409, "Conflict", detail);

    public static ControlPlaneProblemException TooManyRequests(string detail, TimeSpan retryAfter) => new(429, "Too many requests", detail, retryAfter);

    public static ControlPlaneProblemException Unavailable(string detail) => new(503, "Service unavailable", detail, TimeSpan.FromSeconds(2));
}
