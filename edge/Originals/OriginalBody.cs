using System.Buffers;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;

namespace EdgeImages.Edge.Originals;

/// <summary>
/// Reads an original's bytes into one buffer, counting them in the miss's <see cref="MemoryReservation"/>
/// before they arrive: the whole announced length at once, else the buffer as it grows.
/// </summary>
internal static class OriginalBody
{
    private const int FirstChunk = 64 * 1024;

    /// <summary>
    /// The body of <paramref name="announcedLength"/> bytes (a <c>Content-Length</c>, a file's length) or, when
    /// that is null, of whatever length arrives. 413 past <paramref name="maxBytes"/>; an <see cref="IOException"/>
    /// when a body ends before its announced length, as when a connection drops.
    /// </summary>
    public static async Task<Original> ReadAsync(Stream body, long? announcedLength, long maxBytes, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (announcedLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        if (announcedLength is { } length)
        {
            // The common case: one array of exactly the announced length, which pass-through caches as it is.
            MemoryReservation.Current?.Require(length);
            var content = GC.AllocateUninitializedArray<byte>((int)length);
            var read = await body.ReadAtLeastAsync(content, content.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < content.Length)
            {
                throw new IOException($"The body ended after {read} of its {length} bytes.");
            }

            return Make(content, content.Length, version, owner: null);
        }

        return await ReadUnannouncedAsync(body, maxBytes, version, cancellationToken).ConfigureAwait(false);
    }

    // Unknown length (a chunked body): a pooled buffer that doubles, because a chunked body's final size is
    // only known at its end and garbage buffers of tens of megabytes are what the GC is slowest to give back.
    private static async Task<Original> ReadUnannouncedAsync(Stream body, long maxBytes, string? version, CancellationToken cancellationToken)
    {
        var reservation = MemoryReservation.Current;
        reservation?.Require(FirstChunk);
        var buffer = ArrayPool<byte>.Shared.Rent(FirstChunk);
        var length = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }

                if (length == buffer.Length)
                {
                    var capacity = (int)Math.Min((long)buffer.Length * 2, Math.Max(maxBytes + 1, buffer.Length + 1));
                    // Old and new buffer both live while the bytes move across.
                    reservation?.Require(buffer.Length + (long)capacity);
                    var larger = ArrayPool<byte>.Shared.Rent(capacity);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return Make(buffer, length, version, new Returned(buffer));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static Original Make(byte[] buffer, int length, string? version, IDisposable? owner)
    {
        var content = buffer.AsMemory(0, length);
        return new Original(content, ImageSniffer.ContentTypeOf(content.Span), version ?? LocalFolderOriginalStore.VersionOf(content.Span))
        {
            Owner = owner,
        };
    }

    private static EdgeProblemException TooLarge(long maxBytes) => EdgeProblemException.TooLarge($"The original is larger than {maxBytes} bytes.");

    private sealed class Returned(byte[] buffer) : IDisposable
    {
        private byte[]? _buffer = buffer;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
