using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;

namespace EdgeImages.ControlPlane.Etcd;

// The JSON documents stored in etcd. The edge reads keys/, tenants/, purges/ and drain/ and writes edges/ with
// records of its own (edge/ControlPlane/ControlPlaneDocuments.cs): the layout and these field names are the contract,
// and the end-to-end tests hold both sides to it.

internal sealed record RegionDocument(string Id, string Name, double Latitude, double Longitude);

internal sealed record PopDocument(string Id, string Region, double Latitude, double Longitude);

/// <summary>What an edge says about itself, under its lease.</summary>
internal sealed record EdgeRegistration
{
    public required string EdgeId { get; init; }
    public required string Region { get; init; }
    public required string Pop { get; init; }
    public required string Address { get; init; }
    public string CacheTier { get; init; } = "memory";
    public bool OriginReachable { get; init; } = true;
    public double Load { get; init; }
    public bool Ready { get; init; } = true;
    public long ConfigRevision { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The leader's last probe of one edge.</summary>
internal sealed record ProbeResult(string Target, bool Healthy, int Status, double LatencyMs, DateTimeOffset At);

internal sealed record DrainDocument(string Pop, string By, DateTimeOffset At);

/// <summary>A signing key as stored: the secret only sealed (AES-GCM under the master key, bound to the kid).</summary>
internal sealed record SigningKeyDocument
{
    public required string Kid { get; init; }
    /// <summary><c>active</c>, <c>verify-only</c> or <c>retired</c>.</summary>
    public required string State { get; init; }
    public required string Secret { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ActivatedAt { get; init; }
    public DateTimeOffset? VerifyOnlyAt { get; init; }
    public DateTimeOffset? RetiredAt { get; init; }
    /// <summary>When set, the leader retires the key at this time (key expiry).</summary>
    public DateTimeOffset? RetireAt { get; init; }
}

internal sealed record TenantDocument
{
    public required string Id { get; init; }
    /// <summary>The origin binding: the origin (cluster name or base URL) this tenant's originals come from.</summary>
    public string? Origin { get; init; }
    public int? MaxAgeSeconds { get; init; }
    public IReadOnlyList<string>? AllowedOptions { get; init; }
    public IReadOnlyDictionary<string, string>? Presets { get; init; }
    public int? RequestsPerSecond { get; init; }
    public int? Burst { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

internal sealed record PurgeDocument(string Id, string Tenant, string? Path, string? Prefix, string What, string By, DateTimeOffset At);

internal sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string Target, string? Detail);

internal sealed record AdminKeyDocument(string Id, string Name, IReadOnlyList<string> Scopes, string Hash, DateTimeOffset CreatedAt, string CreatedBy);

internal sealed record LeaderDocument(string ReplicaId, DateTimeOffset Since);

internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ByteString Encode<T>(T value) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(value, Options));

    public static T Decode<T>(ByteString value) => JsonSerializer.Deserialize<T>(value.Span, Options)
        ?? throw new JsonException($"null {typeof(T).Name}");

    public static bool TryDecode<T>(ByteString value, out T? result)
    {
        try
        {
            result = JsonSerializer.Deserialize<T>(value.Span, Options);
            return result is not null;
        }
        catch (JsonException)
        {
            result = default;
            return false;
        }
    }
}
