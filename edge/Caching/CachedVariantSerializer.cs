using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using EdgeImages.Edge.Diagnostics;
using Microsoft.Extensions.Caching.Hybrid;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// How a variant is stored in Redis: a version byte, the content type and ETag as length-prefixed UTF-8,
/// then the body. Compact and copy-once; a payload of another version reads as a miss rather than garbage.
/// </summary>
internal sealed class CachedVariantSerializer : IHybridCacheSerializer<CachedVariant>
{
    private const byte FormatVersion = 1;

    public void Serialize(CachedVariant value, IBufferWriter<byte> target)
    {
        WriteByte(target, FormatVersion);
        WriteString(target, value.ContentType);
        WriteString(target, value.ETag);
        target.Write(value.Content);
    }

    public CachedVariant Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new SequenceReader<byte>(source);
        if (!reader.TryRead(out var version) || version != FormatVersion)
        {
            throw new InvalidDataException($"Cached variant format {version} is not {FormatVersion}.");
        }

        var contentType = ReadString(ref reader);
        var etag = ReadString(ref reader);
        var content = reader.UnreadSequence.ToArray();
        return new CachedVariant(content, contentType, etag, default(StageTimings));
    }

    private static void WriteByte(IBufferWriter<byte> target, byte value)
    {
        target.GetSpan(1)[0] = value;
        target.Advance(1);
    }

    private static void WriteString(IBufferWriter<byte> target, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var span = target.GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)length));
        Encoding.UTF8.GetBytes(value, span[2..]);
        target.Advance(2 + length);
    }

    private static string ReadString(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadLittleEndian(out short length) || length < 0 || reader.Remaining < length)
        {
            throw new InvalidDataException("Cached variant is truncated.");
        }

        var value = Encoding.UTF8.GetString(reader.UnreadSequence.Slice(0, length));
        reader.Advance(length);
        return value;
    }
}
