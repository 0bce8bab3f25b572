using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace EdgeImages.Hosting.Problems;

/// <summary>Writes a <see cref="ProblemException"/> as <c>application/problem+json</c>, the same way in every service.</summary>
public static class ProblemResponse
{
    public const string ContentType = "application/problem+json";

    /// <summary>
    /// Replaces whatever the response held with the problem: its status, <c>Cache-Control: no-store</c>,
    /// <c>WWW-Authenticate: Bearer</c> on a 401, <c>Retry-After</c> when the problem has one, then
    /// <paramref name="decorate"/> for a service's own headers (which may allow caching), then the body with the
    /// request id a support ticket can quote. A HEAD gets the headers alone.
    /// </summary>
    public static Task WriteAsync(HttpContext context, ProblemException problem, Action<HttpResponse>? decorate = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(problem);
        var response = context.Response;
        response.Clear();
        response.StatusCode = problem.Status;
        response.Headers.CacheControl = "no-store";
        if (problem.Status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        if (problem.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
        }

        decorate?.Invoke(response);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            response.ContentType = ContentType;
            return Task.CompletedTask;
        }

        var body = new ProblemDetails
        {
            Status = problem.Status,
            Title = problem.Title,
            Detail = problem.Detail,
            Extensions = { ["requestId"] = context.TraceIdentifier },
        };
        return response.WriteAsJsonAsync(body, options: null, contentType: ContentType, context.RequestAborted);
    }

    /// <summary>Whole seconds, rounded up and at least one: a client told 0 would retry at once.</summary>
    public static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
