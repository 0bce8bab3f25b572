namespace EdgeImages.Origin.Http;

/// <summary>
/// A failure that knows how it is answered: its HTTP status, a short public title and a detail that is safe to
/// show (never a secret, a key hash or a host name). <see cref="ProblemResponseMiddleware"/> writes it as
/// <c>application/problem+json</c>; everything else throws it and moves on.
/// </summary>
internal sealed class OriginProblemException(int status, string title, string detail, TimeSpan? retryAfter = null)
    : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string Detail { get; } = detail;

    /// <summary>Set for 503: when the client may try again.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

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
