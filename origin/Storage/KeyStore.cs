using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>Tenants and their API keys; only SHA-256 hashes of keys are stored.</summary>
internal sealed class KeyStore(OriginDatabase database)
{
    /// <summary>Creates the tenant if it is new and records a key for it, in one transaction.</summary>
    public async Task AddKeyAsync(string tenant, string keyId, byte[] keyHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var batch = database.Primary.CreateBatch();
        var tenantCommand = new NpgsqlBatchCommand("INSERT INTO tenants (tenant, created_at) VALUES (@tenant, @now) ON CONFLICT (tenant) DO NOTHING");
        tenantCommand.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
        tenantCommand.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        var keyCommand = new NpgsqlBatchCommand("INSERT INTO api_keys (key_id, tenant, key_hash, created_at) VALUES (@key_id, @tenant, @hash, @now)");
        keyCommand.Parameters.Add(new NpgsqlParameter<string>("key_id", keyId));
        keyCommand.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
        keyCommand.Parameters.Add(new NpgsqlParameter<byte[]>("hash", keyHash));
        keyCommand.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        batch.BatchCommands.Add(tenantCommand);
        batch.BatchCommands.Add(keyCommand);
        // A batch runs as one implicit transaction: the tenant never exists without its first key.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tenant and hash of a key that has not been revoked; null when unknown or revoked.</summary>
    public async Task<(string Tenant, byte[] Hash)?> FindActiveAsync(string keyId, CancellationToken cancellationToken) =>
        await database.ReadAsync(token => FindActiveOnceAsync(keyId, token), cancellationToken).ConfigureAwait(false);

    private async ValueTask<(string Tenant, byte[] Hash)?> FindActiveOnceAsync(string keyId, CancellationToken cancellationToken)
    {
        using var command = database.Primary.CreateCommand("SELECT tenant, key_hash FROM api_keys WHERE key_id = @key_id AND revoked_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string>("key_id", keyId));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.GetString(0), reader.GetFieldValue<byte[]>(1))
            : null;
    }

    /// <summary>Revokes a key of the tenant (again, harmlessly, if it already was); false when the tenant has no such key.</summary>
    public async Task<bool> RevokeAsync(string tenant, string keyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var command = database.Primary.CreateCommand(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, @now) WHERE key_id = @key_id AND tenant = @tenant");
        command.Parameters.Add(new NpgsqlParameter<string>("key_id", keyId));
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
