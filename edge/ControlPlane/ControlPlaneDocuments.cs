using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeImages.Sdk.Signing;
using Google.Protobuf;

namespace EdgeImages.Edge.ControlPlane;

// The documents the edge reads from and writes to etcd: the same JSON field names as the control plane's
// control-plane/Etcd/Documents.cs. Only the fields the edge uses are declared; unknown fields are ignored, so either
// side can add fields without breaking the other.

internal sealed record SigningKeyDocument
{
    public required string Kid { get; init; }
    public required string State { get; init; }
    public required string Secret { get; init; }
}

internal sealed record TenantDocument
{
    public required string Id { get; init; }
    public string? Origin { get; init; }
    public int? MaxAgeSeconds { get; init; }
    public IReadOnlyList<string>? AllowedOptions { get; init; }
    public IReadOnlyDictionary<string, string>? Presets { get; init; }
    public int? RequestsPerSecond { get; init; }
    public int? Burst { get; init; }
}

internal sealed record PurgeDocument(string Id, string Tenant, string? Path, string? Prefix, DateTimeOffset At);

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

internal static class Documents
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static ByteString Encode<T>(T value) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(value, Options));

    public static T? TryDecode<T>(ByteString value)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(value.Span, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static SigningKeyState? State(string state) => state switch
    {
        "active" => SigningKeyState.Active,
        "verify-only" => SigningKeyState.VerifyOnly,
        "retired" => SigningKeyState.Retired,
        _ => null,
    };

    /// <summary>
    /// Opens a sealed secret: base64 of nonce (12) | ciphertext | tag (16), AES-256-GCM with the kid as associated
    /// data (the control plane's control-plane/Keys/SecretBox.cs seals it). Null when it does not open.
    /// </summary>
    public static byte[]? Open(byte[] masterKey, string kid, string sealedSecret)
    {
        try
        {
            var bytes = Convert.FromBase64String(sealedSecret);
            if (bytes.Length < 12 + 16 + 1)
            {
                return null;
            }

            var secret = new byte[bytes.Length - 28];
            using var aes = new AesGcm(masterKey, 16);
            aes.Decrypt(bytes.AsSpan(0, 12), bytes.AsSpan(12, secret.Length), bytes.AsSpan(12 + secret.Length), secret, Encoding.UTF8.GetBytes(kid));
            return secret;
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException)
        {
            return null;
        }
    }
}
