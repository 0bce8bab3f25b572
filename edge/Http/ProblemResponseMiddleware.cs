using EdgeImages.Edge.Caching;
using EdgeImages.Hosting.Problems;
using Microsoft.Extensions.Options;

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
        var notFoundMaxAge = cacheOptions.Value.NotFoundMaxAge;
        var cacheControl = problem.Status == StatusCodes.Status404NotFound && notFoundMaxAge > TimeSpan.Zero
            ? $"public, max-age={(long)notFoundMaxAge.TotalSeconds}"
            : "no-store";
        return ProblemResponse.WriteAsync(context, problem, cacheControl, response =>
        {
            response.Headers[EdgeHeaders.XCache] = EdgeHeaders.XCacheValue(CacheTier.Miss);
            if (problem.Status == StatusCodes.Status405MethodNotAllowed)
            {
                response.Headers.Allow = "GET, HEAD";
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception while serving an image request.")]
        public static partial void Unhandled(ILogger logger, Exception exception);
    }
}
