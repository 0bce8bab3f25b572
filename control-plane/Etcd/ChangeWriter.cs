using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using Etcdserverpb;
using Google.Protobuf;

namespace EdgeImages.ControlPlane.Etcd;

/// <summary>
/// Every change an operator makes goes through here: one etcd transaction that checks its precondition, writes the
/// documents and appends the audit entry. The audit entry and the change commit together or not at all, so the log
/// can neither miss a change nor record one that did not happen.
/// </summary>
internal sealed class ChangeWriter(EtcdStore etcd, TimeProvider time)
{
    public EtcdKeys Keys => etcd.Keys;

    /// <summary>A key that must not exist yet (create-if-absent).</summary>
    public static Compare Absent(string key) => new()
    {
        Key = EtcdGateway.Bytes(key),
        Target = Compare.Types.CompareTarget.Create,
        Result = Compare.Types.CompareResult.Equal,
        CreateRevision = 0,
    };

    /// <summary>A key that must exist (a PoP's region, an API key being revoked).</summary>
    public static Compare Present(string key) => new()
    {
        Key = EtcdGateway.Bytes(key),
        Target = Compare.Types.CompareTarget.Create,
        Result = Compare.Types.CompareResult.Greater,
        CreateRevision = 0,
    };

    /// <summary>A key unchanged since it was read at <paramref name="modRevision"/> (compare-and-swap).</summary>
    public static Compare Unchanged(string key, long modRevision) => new()
    {
        Key = EtcdGateway.Bytes(key),
        Target = Compare.Types.CompareTarget.Mod,
        Result = Compare.Types.CompareResult.Equal,
        ModRevision = modRevision,
    };

    public static RequestOp Put(string key, ByteString value, long lease = 0) =>
        new() { RequestPut = new PutRequest { Key = EtcdGateway.Bytes(key), Value = value, Lease = lease } };

    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdGateway.Bytes(key) } };

    /// <returns>False when a precondition failed (nothing was written).</returns>
    public async Task<bool> CommitAsync(
        string actor, string action, string target, string? detail, IEnumerable<Compare> conditions, IEnumerable<RequestOp> operations,
        CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var txn = new TxnRequest();
        txn.Compare.AddRange(conditions);
        txn.Success.AddRange(operations);
        txn.Success.Add(Put(Keys.AuditEntry(at, Guid.NewGuid().ToString("N")[..8]), DocumentJson.Encode(new AuditEntry(at, actor, action, target, detail))));
        var response = await etcd.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        return response.Succeeded;
    }
}
