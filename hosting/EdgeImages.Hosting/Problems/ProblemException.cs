namespace EdgeImages.Hosting.Problems;

/// <summary>
/// A failure that knows how it is answered: its HTTP status, a short public title and a detail that is safe to show
/// (never a secret, a key hash, a path on disk or a host name). Each service's problem middleware writes it with
/// <see cref="ProblemResponse"/>; everything else throws it and moves on. Services derive their own type, with
/// factories for the failures they have.
/// </summary>
public class ProblemException(int status, string title, string detail, TimeSpan? retryAfter = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string Detail { get; } = detail;

    /// <summary>Set for 429 and 503: when the client may try again.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
