using System.Text.Json;
using EdgeImages.Etcd;
using EdgeImages.Hosting.Problems;

namespace EdgeImages.ControlPlane.Http;

/// <summary>
/// The control plane's part of its problem responses: etcd without a quorum (or unreachable) is a quick 503 with
/// <c>Retry-After</c>, and a body that is not JSON of the expected shape is a 400. Errors are never cached.
/// </summary>
internal sealed partial class ControlPlaneProblems(ILogger<ControlPlaneProblems> logger) : IServiceProblems
{
    public string ServiceName => "control plane";

    public ProblemException? Translate(Exception exception)
    {
        switch (exception)
        {
            case EtcdUnavailableException:
                Log.EtcdUnavailable(logger, exception.Message);
                return ControlPlaneProblemException.Unavailable("The configuration store has no quorum or cannot be reached; nothing was changed. Try again shortly.");
            case BadHttpRequestException or JsonException:
                return ControlPlaneProblemException.BadRequest("The request body is not valid JSON of the expected shape.");
            default:
                return null;
        }
    }

    public void Decorate(HttpResponse response, ProblemException problem)
    {
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "etcd unavailable ({Reason}); answered 503.")]
        public static partial void EtcdUnavailable(ILogger logger, string reason);
    }
}
