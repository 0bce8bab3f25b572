using EdgeImages.Hosting.Problems;
using EdgeImages.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Http;

/// <summary>
/// The one place that writes error responses: <see cref="OriginProblemException"/> becomes
/// <c>application/problem+json</c> (RFC 9457) with its own status; a database that cannot be reached or does not
/// answer in time is a quick 503 with <c>Retry-After</c>; anything else is a 500 that says nothing about its cause.
/// Errors are never cached.
/// </summary>
internal sealed partial class ProblemResponseMiddleware(
    RequestDelegate next,
    IOptions<DatabaseOptions> database,
    ILogger<ProblemResponseMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OriginProblemException problem) when (!context.Response.HasStarted)
        {
            await ProblemResponse.WriteAsync(context, problem).ConfigureAwait(false);
        }
        catch (Exception exception) when (!context.Response.HasStarted && StorageFailure.IsUnavailable(exception))
        {
            Log.DatabaseUnavailable(logger, exception.GetType().Name, exception.Message);
            var problem = OriginProblemException.Unavailable("The store of record is unavailable; try again shortly.", database.Value.RetryAfter);
            await ProblemResponse.WriteAsync(context, problem).ConfigureAwait(false);
        }
        catch (BadHttpRequestException bad) when (!context.Response.HasStarted)
        {
            // Kestrel's own refusals (a body that ends early, a malformed chunk): the client's fault, said plainly.
            await ProblemResponse.WriteAsync(context, new OriginProblemException(bad.StatusCode, "Bad request", "The request body could not be read.")).ConfigureAwait(false);
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
            await ProblemResponse.WriteAsync(context, new OriginProblemException(500, "Internal error", "The origin failed to answer this request.")).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception while serving an origin request.")]
        public static partial void Unhandled(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The database is unavailable ({Kind}: {Reason}); answered 503.")]
        public static partial void DatabaseUnavailable(ILogger logger, string kind, string reason);
    }
}
