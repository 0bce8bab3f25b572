using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;

namespace EdgeImages.Etcd.Documents;

/// <summary>How documents are written to and read from etcd values: web-style JSON, nulls left out.</summary>
public static class DocumentJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ByteString Encode<T>(T value) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(value, Options));

    public static T Decode<T>(ByteString value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.Deserialize<T>(value.Span, Options) ?? throw new JsonException($"null {typeof(T).Name}");
    }

    /// <summary>False for a value that is not a document of this type: a reader skips it rather than stopping.</summary>
    public static bool TryDecode<T>(ByteString value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? result)
    {
        ArgumentNullException.ThrowIfNull(value);
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
