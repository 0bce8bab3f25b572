using Microsoft.AspNetCore.Http;

namespace EdgeImages.Hosting.Problems;

/// <summary>
/// What one service adds to <see cref="ProblemResponseMiddleware"/>: the failures it knows how to answer beyond its
/// own <see cref="ProblemException"/>s (a dependency that is down, a body that does not parse), and headers of its
/// own on every problem response.
/// </summary>
public interface IServiceProblems
{
    /// <summary>How a 500 names the service ("The edge failed to answer this request.").</summary>
    string ServiceName { get; }

    /// <summary>A problem for a failure this service knows how to answer, or null for one it does not.</summary>
    ProblemException? Translate(Exception exception);

    /// <summary>Sets the service's own headers on a problem response (after the shared ones, so it may override them).</summary>
    void Decorate(HttpResponse response, ProblemException problem);
}
