using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using EdgeImages.Edge.Diagnostics;
using Microsoft.Extensions.Caching.Hybrid;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// How a variant is stored in Redis: a version byte, when it was made (Unix milliseconds), the content type and ETag
/// as length-prefixed UTF-8, then the body. Compact and copy-once.
/// </summary>
/// <remarks>
/// Redis is shared by every edge of a region and reachable by whoever reaches it, so what comes back is not trusted:
/// a payload of another version, one that is cut short, or one whose content type the edge never writes (say
/// <c>text/html</c>) reads as <see cref="Rejected"/>, which <see cref="DistributedTier"/> drops and treats as a miss.
/// (HybridCache would hand a serializer's exception to the request as an error.)
/// </remarks>
internal sealed class CachedVariantSerializer : IHybridCacheSerializer<CachedVariant>
{
    private const byte FormatVersion = 2;

    private static readonly System.Buffers.SearchValues<char> ETagCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public void Serialize(CachedVariant value, IBufferWriter<byte> target)
    {
        var head = target.GetSpan(9);
        head[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(head[1..], value.MadeAt.ToUnixTimeMilliseconds());
        target.Advance(9);
        WriteString(target, value.ContentType);
        WriteString(target, value.ETag);
        target.Write(value.Content);
    }

    /// <summary>What a payload that cannot be trusted reads as: never served, never kept.</summary>
    public static CachedVariant Rejected { get; } = new([], "", "", default(StageTimings));

    public CachedVariant Deserialize(ReadOnlySequence<byte> source)
    {
        try
        {
            return Read(source);
        }
        catch (InvalidDataException)
        {
            return Rejected;
        }
    }

    private static CachedVariant Read(ReadOnlySequence<byte> source)
    {
        var reader = new SequenceReader<byte>(source);
        if (!reader.TryRead(out var version) || version != FormatVersion)
        {
            throw new InvalidDataException($"Cached variant format {version} is not {FormatVersion}.");
        }

        if (!reader.TryReadLittleEndian(out long madeAtMs) || madeAtMs < 0 || madeAtMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new InvalidDataException("Cached variant has no valid time of making.");
        }

        var contentType = ReadString(ref reader);
        if (!VariantContentTypes.IsWrittenByTheEdge(contentType))
        {
            throw new InvalidDataException("Cached variant has a content type the edge never writes.");
        }

        var etag = ReadString(ref reader);
        if (!IsStrongETag(etag))
        {
            throw new InvalidDataException("Cached variant has no valid entity tag.");
        }

        var content = reader.UnreadSequence.ToArray();
        return new CachedVariant(content, contentType, etag, default(StageTimings)) { MadeAt = DateTimeOffset.FromUnixTimeMilliseconds(madeAtMs) };
    }

    /// <summary>A quoted strong tag of URL-safe base64, as <c>VariantProducer.ETagOf</c> makes them; nothing that could split a header.</summary>
    private static bool IsStrongETag(string etag) =>
        etag.Length is > 2 and <= 130 && etag[0] == '"' && etag[^1] == '"'
        && etag.AsSpan(1, etag.Length - 2).IndexOfAnyExcept(ETagCharacters) < 0;

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
