namespace EdgeImages.ControlPlane.Http;

/// <summary>
/// A failure that knows how it is answered: its status, a short public title and a detail that is safe to show.
/// <see cref="ProblemResponseMiddleware"/> writes it as <c>application/problem+json</c>; everything else throws it.
/// </summary>
internal sealed class ControlPlaneProblemException(int status, string title, string detail, TimeSpan? retryAfter = null)
    : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string Detail { get; } = detail;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ControlPlaneProblemException BadRequest(string detail) => new(400, "Bad request", detail);

    public static ControlPlaneProblemException Unauthorized(string detail) => new(401, "Unauthorized", detail);

    public static ControlPlaneProblemException Forbidden(string detail) => new(403, "Forbidden", detail);

    public static ControlPlaneProblemException NotFound(string detail) => new(404, "Not found", detail);

    public static ControlPlaneProblemException Conflict(string detail) => new(409, "Conflict", detail);

    public static ControlPlaneProblemException Unavailable(string detail) => new(503, "Service unavailable", detail, TimeSpan.FromSeconds(2));
}
