using EdgeImages.Hosting.Problems;
using EdgeImages.Origin.Storage;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Http;

/// <summary>
/// The origin's part of its problem responses: a database that cannot be reached or does not answer in time is a
/// quick 503 with <c>Retry-After</c>, and Kestrel's own refusals of a body (one that ends early, a malformed chunk)
/// are the client's fault, said plainly. Errors are never cached.
/// </summary>
internal sealed partial class OriginProblems(IOptions<DatabaseOptions> database, ILogger<OriginProblems> logger) : IServiceProblems
{
    public string ServiceName => "origin";

    public ProblemException? Translate(Exception exception)
    {
        if (StorageFailure.IsUnavailable(exception))
        {
            Log.DatabaseUnavailable(logger, exception.GetType().Name, exception.Message);
            return OriginProblemException.Unavailable("The store of record is unavailable; try again shortly.", database.Value.RetryAfter);
        }

        return exception is BadHttpRequestException bad
            ? new OriginProblemException(bad.StatusCode, "Bad request", "The request body could not be read.")
            : null;
    }

    public void Decorate(HttpResponse response, ProblemException problem)
    {
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The database is unavailable ({Kind}: {Reason}); answered 503.")]
        public static partial void DatabaseUnavailable(ILogger logger, string kind, string reason);
    }
}
