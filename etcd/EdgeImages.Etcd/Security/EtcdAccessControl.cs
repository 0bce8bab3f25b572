using Authpb;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeImages.Etcd.Security;

/// <summary>One key or key range a role may read, or read and write.</summary>
/// <param name="Key">The key, or the prefix when <paramref name="Prefix"/>.</param>
/// <param name="Prefix">Every key starting with <paramref name="Key"/> (etcd's <c>--prefix</c>), else that key alone.</param>
/// <param name="Write">Read and write; else read only.</param>
public sealed record EtcdGrant(string Key, bool Prefix, bool Write);

/// <summary>
/// Who may do what in etcd (etcd's own RBAC; <c>--client-cert-auth</c> makes a client certificate's common name its
/// user). One role per user, named like it:
/// <list type="bullet">
/// <item><c>root</c>: bootstrap alone (users, roles, <c>auth enable</c>); no service holds its certificate or password.</item>
/// <item><c>control-plane</c>: reads and writes the deployment's whole prefix.</item>
/// <item><c>edge.{pop}.{edgeId}</c>, one per edge: reads the configuration it follows (signing keys, tenants, purges and
/// their horizon, its PoP's drain flag, its region's cache generation) and writes only its own registration and its
/// region's cache generation. It cannot write a tenant, a signing key, an admin key or another edge's registration.</item>
/// <item>users with a password, for clients that reach etcd only through its JSON gateway (Patroni): read and write one
/// prefix of their own. The gateway does not pass the client certificate's name on, so a token from a password is what
/// identifies them.</item>
/// </list>
/// The read ranges are exactly the ranges the edge asks for (a watch on <c>drain/{pop}</c> is a range over that prefix),
/// because etcd grants a range only when a granted range covers it.
/// </summary>
public static class EtcdRoles
{
    public const string Root = "root";

    public const string ControlPlane = "control-plane";

    /// <summary>The etcd user (and the common name of the client certificate) of one edge. Ids hold no dots, so names cannot collide.</summary>
    public static string EdgeUser(string pop, string edgeId) => $"edge.{pop}.{edgeId}";

    public static IReadOnlyList<EtcdGrant> ControlPlanePermissions(EtcdKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return [new EtcdGrant(keys.Prefix, Prefix: true, Write: true)];
    }

    public static IReadOnlyList<EtcdGrant> EdgePermissions(EtcdKeys keys, string region, string pop, string edgeId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return
        [
            new EtcdGrant(keys.Keys, Prefix: true, Write: false),
            new EtcdGrant(keys.Tenants, Prefix: true, Write: false),
            new EtcdGrant(keys.Purges, Prefix: true, Write: false),
            new EtcdGrant(keys.PurgeHorizon, Prefix: true, Write: false),
            new EtcdGrant(keys.Drain(pop), Prefix: true, Write: false),
            new EtcdGrant(keys.CacheGeneration(region), Prefix: true, Write: false),
            // Exact keys for writes: a prefix grant on edges/{pop}/edge-1 would cover edges/{pop}/edge-10 too.
            new EtcdGrant(keys.CacheGeneration(region), Prefix: false, Write: true),
            new EtcdGrant(keys.Edge(pop, edgeId), Prefix: false, Write: true),
        ];
    }

    /// <summary>A JSON-gateway client's own prefix (for Patroni, its <c>namespace</c>), read and write.</summary>
    public static IReadOnlyList<EtcdGrant> PrefixPermissions(string prefix) => [new EtcdGrant(prefix, Prefix: true, Write: true)];
}

/// <summary>
/// Creates etcd users and roles and switches authentication on, through a gateway holding the root identity. Every step
/// may be run again: an existing user or role is kept (its permissions granted again), so bootstrap is idempotent.
/// </summary>
public sealed class EtcdAccessControl(EtcdGateway root)
{
    /// <summary>
    /// The user <paramref name="name"/> with a role of the same name granted <paramref name="permissions"/>.
    /// Without <paramref name="password"/> the user can only be reached by a client certificate whose common name is
    /// <paramref name="name"/>; with one, its password is set (again).
    /// </summary>
    public async Task EnsureUserAsync(string name, string? password, IReadOnlyList<EtcdGrant> permissions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        await EnsureUserAsync(name, password, cancellationToken).ConfigureAwait(false);
        await IgnoreExisting(root.Auth.RoleAddAsync(new AuthRoleAddRequest { Name = name }, deadline: root.NextDeadline(), cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var permission in permissions)
        {
            await root.Auth.RoleGrantPermissionAsync(new AuthRoleGrantPermissionRequest
            {
                Name = name,
                Perm = new Permission
                {
                    PermType = permission.Write ? Permission.Types.Type.Readwrite : Permission.Types.Type.Read,
                    Key = EtcdGateway.Bytes(permission.Key),
                    RangeEnd = permission.Prefix ? EtcdGateway.RangeEnd(permission.Key) : ByteString.Empty,
                },
            }, deadline: root.NextDeadline(), cancellationToken: cancellationToken);
        }

        await root.Auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = name, Role = name }, deadline: root.NextDeadline(), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The root user (with root's role) and <c>auth enable</c>. Before this, etcd lets anyone with a certificate of
    /// the CA do anything; after it, each identity only what its role grants. With <paramref name="rootPassword"/> root
    /// can also authenticate through the JSON gateway (deploy's bootstrap of users added later).
    /// </summary>
    public async Task EnableAsync(string? rootPassword, CancellationToken cancellationToken)
    {
        await EnsureUserAsync(EtcdRoles.Root, rootPassword, cancellationToken).ConfigureAwait(false);
        await root.Auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = EtcdRoles.Root, Role = EtcdRoles.Root }, deadline: root.NextDeadline(), cancellationToken: cancellationToken);
        await root.Auth.AuthEnableAsync(new AuthEnableRequest(), deadline: root.NextDeadline(), cancellationToken: cancellationToken);
    }

    private async Task EnsureUserAsync(string name, string? password, CancellationToken cancellationToken)
    {
        var added = await IgnoreExisting(root.Auth.UserAddAsync(new AuthUserAddRequest
        {
            Name = name,
            Password = password ?? "",
            Options = new UserAddOptions { NoPassword = password is null },
        }, deadline: root.NextDeadline(), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!added && password is not null)
        {
            await root.Auth.UserChangePasswordAsync(new AuthUserChangePasswordRequest { Name = name, Password = password }, deadline: root.NextDeadline(), cancellationToken: cancellationToken);
        }
    }

    /// <returns>False when etcd answered that the user or role already exists.</returns>
    private static async Task<bool> IgnoreExisting<T>(AsyncUnaryCall<T> call)
    {
        try
        {
            await call.ConfigureAwait(false);
            return true;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.FailedPrecondition && exception.Status.Detail.Contains("already exists", StringComparison.Ordinal))
        {
            return false;
        }
    }
}
