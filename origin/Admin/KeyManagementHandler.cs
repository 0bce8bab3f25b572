using EdgeImages.Origin.Api;
using EdgeImages.Origin.Http;
using EdgeImages.Origin.Security;
using EdgeImages.Origin.Storage;

namespace EdgeImages.Origin.Admin;

/// <summary>
/// <c>POST /v1/admin/tenants/{tenant}/keys</c> creates the tenant if it is new and answers a new API key, the only
/// time it is ever shown (only its hash is stored). <c>DELETE /v1/admin/tenants/{tenant}/keys/{keyId}</c> revokes
/// one at once: keys are looked up on every write, not cached.
/// </summary>
internal sealed partial class KeyManagementHandler(
    KeyStore keys,
    TimeProvider time,
    ILogger<KeyManagementHandler> logger)
{
    /// <summary>Not a tenant: <c>/v1/admin/...</c> is this handler's.</summary>
    public const string ReservedTenant = "admin";

    public async Task CreateAsync(HttpContext context, string tenant)
    {
        OriginalAddress.CheckTenant(tenant);
        if (tenant == ReservedTenant)
        {
            throw OriginProblemException.BadRequest("'admin' is reserved and cannot be a tenant.");
        }

        var (keyId, key) = ApiKeys.Create();
        var now = time.GetUtcNow();
        await keys.AddKeyAsync(tenant, keyId, ApiKeys.Hash(key), now, context.RequestAborted).ConfigureAwait(false);
        Log.Created(logger, tenant, keyId);

        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(new { tenant, keyId, key, createdAt = now }, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task RevokeAsync(HttpContext context, string tenant, string keyId)
    {
        OriginalAddress.CheckTenant(tenant);
        if (!ApiKeys.IsValidKeyId(keyId) || !await keys.RevokeAsync(tenant, keyId, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false))
        {
            throw OriginProblemException.NotFound("The tenant has no such key.");
        }

        Log.Revoked(logger, tenant, keyId);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Created API key {KeyId} for tenant {Tenant}.")]
        public static partial void Created(ILogger logger, string tenant, string keyId);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Revoked API key {KeyId} of tenant {Tenant}.")]
        public static partial void Revoked(ILogger logger, string tenant, string keyId);
    }
}
