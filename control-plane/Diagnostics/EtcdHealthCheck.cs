using EdgeImages.ControlPlane.Etcd;
using EdgeImages.Etcd;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeImages.ControlPlane.Diagnostics;

/// <summary>
/// Readiness of a replica: etcd answers a linearizable read within <see cref="Timeout"/>. A replica cut off from the
/// quorum still routes from its watched view, but cannot write; taking it out of rotation sends admins to one that
/// can. Published as <c>edgeimages_dependency_up{dependency="etcd"}</c>. Descriptions hold no addresses (the exception
/// names members'), only how many members answer.
/// </summary>
internal sealed class EtcdHealthCheck(EtcdStore etcd) : IHealthCheck
{
    public const string Name = "etcd";

    /// <summary>Shorter than a prober's usual 5 s and than <c>Etcd:RequestTimeout</c>'s default: a quorum answers in milliseconds.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await etcd.GetAsync(etcd.Keys.Leader, cancellationToken).ConfigureAwait(false);
            // Counts, not addresses: a quorum is all this replica needs, but an operator should see a member gone quiet.
            return HealthCheckResult.Healthy($"etcd answers ({etcd.AnsweringMembers.Count} of {etcd.Members.Count} members answering).");
        }
        catch (Exception exception) when (exception is EtcdUnavailableException or OperationCanceledException or TimeoutException or Grpc.Core.RpcException)
        {
            return HealthCheckResult.Unhealthy("etcd has no quorum or cannot be reached.");
        }
    }
}
