using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Hosting.Problems;

/// <summary>
/// The one place a service writes error responses. A <see cref="ProblemException"/>, or a failure the service's
/// <see cref="IServiceProblems"/> translates, becomes <c>application/problem+json</c> with its own status; a client
/// that left gets nothing; anything else is a 500 that says nothing about its cause and is logged.
/// </summary>
public sealed partial class ProblemResponseMiddleware(RequestDelegate next, IServiceProblems service, ILogger<ProblemResponseMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; there is nobody to answer.
        }
#pragma warning disable CA1031 // The last line of defence: no exception may take the process or leak details.
        catch (Exception exception) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            await WriteProblemAsync(context, exception).ConfigureAwait(false);
        }
    }

    // Apart from InvokeAsync: an await in a catch block moves the block's closure to the top of the async method, where
    // every request, answered or not, paid for it.
    private Task WriteProblemAsync(HttpContext context, Exception exception)
    {
        var problem = exception as ProblemException ?? service.Translate(exception);
        if (problem is null)
        {
            Log.Unhandled(logger, exception);
            problem = new ProblemException(StatusCodes.Status500InternalServerError, "Internal error", $"The {service.ServiceName} failed to answer this request.");
        }

        return ProblemResponse.WriteAsync(context, problem, response => service.Decorate(response, problem));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception while serving a request.")]
        public static partial void Unhandled(ILogger logger, Exception exception);
    }
}
