using System.Text.Json;
using EdgeImages.Etcd;
using EdgeImages.Hosting.Problems;

namespace EdgeImages.ControlPlane.Http;

/// <summary>
/// The one place that writes error responses: <see cref="ControlPlaneProblemException"/> becomes
/// <c>application/problem+json</c> with its status; etcd without a quorum (or unreachable) is a quick 503 with
/// <c>Retry-After</c>; a malformed body is a 400; anything else a 500 that says nothing about its cause.
/// </summary>
internal sealed partial class ProblemResponseMiddleware(RequestDelegate next, ILogger<ProblemResponseMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ControlPlaneProblemException problem) when (!context.Response.HasStarted)
        {
            await ProblemResponse.WriteAsync(context, problem).ConfigureAwait(false);
        }
        catch (EtcdUnavailableException exception) when (!context.Response.HasStarted)
        {
            Log.EtcdUnavailable(logger, exception.Message);
            await ProblemResponse.WriteAsync(context, ControlPlaneProblemException.Unavailable("The configuration store has no quorum or cannot be reached; nothing was changed. Try again shortly.")).ConfigureAwait(false);
        }
        catch (Exception exception) when (!context.Response.HasStarted && exception is BadHttpRequestException or JsonException)
        {
            await ProblemResponse.WriteAsync(context, ControlPlaneProblemException.BadRequest("The request body is not valid JSON of the expected shape.")).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left.
        }
#pragma warning disable CA1031 // The last line of defence: no exception may take the process or leak details.
        catch (Exception exception) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            Log.Unhandled(logger, exception);
            await ProblemResponse.WriteAsync(context, new ControlPlaneProblemException(500, "Internal error", "The control plane failed to answer this request.")).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception while serving a control-plane request.")]
        public static partial void Unhandled(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "etcd unavailable ({Reason}); answered 503.")]
        public static partial void EtcdUnavailable(ILogger logger, string reason);
    }
}
