using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using EdgeImages.Edge.Caching;

namespace EdgeImages.Edge.Http;

/// <summary>
/// The one place that writes error responses: <see cref="EdgeProblemException"/> becomes
/// <c>application/problem+json</c> (RFC 9457) with its own status; anything else is a 500 that says
/// nothing about its cause. Errors are <c>no-store</c>, except a 404, which may be cached briefly.
/// </summary>
internal sealed partial class ProblemResponseMiddleware(
    RequestDelegate next,
    IOptions<CacheOptions> cacheOptions,
    ILogger<ProblemResponseMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (EdgeProblemException problem) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, problem).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; there is nobody to answer.
        }
#pragma warning disable CA1031 // The last line of defence: no exception may take the process or leak details.
        catch (Exception exception) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            Log.Unhandled(logger, exception);
            await WriteAsync(context, new EdgeProblemException(500, "Internal error", "The edge failed to answer this request.")).ConfigureAwait(false);
        }
    }

    private Task WriteAsync(HttpContext context, EdgeProblemException problem)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = problem.Status;
        response.Headers.CacheControl = problem.Status == StatusCodes.Status404NotFound && cacheOptions.Value.NotFoundMaxAge > TimeSpan.Zero
            ? $"public, max-age={(long)cacheOptions.Value.NotFoundMaxAge.TotalSeconds}"
            : "no-store";
        response.Headers[EdgeHeaders.XCache] = EdgeHeaders.XCacheValue(CacheTier.Miss);
        if (problem.Status == StatusCodes.Status405MethodNotAllowed)
        {
            response.Headers.Allow = "GET, HEAD";
        }

        if (problem.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = EdgeHeaders.RetryAfterSeconds(retryAfter);
        }

        var body = new ProblemDetails
        {
            Status = problem.Status,
            Title = problem.Title,
            Detail = problem.Detail,
            Extensions = { ["requestId"] = context.TraceIdentifier },
        };
        if (HttpMethods.IsHead(context.Request.Method))
        {
            response.ContentType = "application/problem+json";
            return Task.CompletedTask;
        }

        return response.WriteAsJsonAsync(body, options: null, contentType: "application/problem+json", context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception while serving an image request.")]
        public static partial void Unhandled(ILogger logger, Exception exception);
    }
}
