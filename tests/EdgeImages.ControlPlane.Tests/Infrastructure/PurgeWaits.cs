using EdgeImages.Edge.ControlPlane;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Tests.Infrastructure;

/// <summary>Tasks that complete when an edge has applied a purge, or dropped what it could not prove clean.</summary>
internal static class PurgeWaits
{
    /// <summary>The next purge applied whose stored path (decoded) or prefix is <paramref name="pathOrPrefix"/>, or any when null.</summary>
    public static Task AppliedAsync(PurgeApplier applier, string? pathOrPrefix = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(PurgeDocument purge)
        {
            if (pathOrPrefix is null || purge.Path == pathOrPrefix || purge.Prefix == pathOrPrefix)
            {
                applier.Purged -= Handler;
                done.TrySetResult();
            }
        }

        applier.Purged += Handler;
        return done.Task;
    }

    public static Task<long> ForgotAsync(PurgeApplier applier)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(long generation)
        {
            applier.Forgot -= Handler;
            done.TrySetResult(generation);
        }

        applier.Forgot += Handler;
        return done.Task;
    }
}
