using EdgeImages.Edge.Http;
using EdgeImages.Edge.Transforms;

namespace EdgeImages.Edge.Originals;

/// <summary>
/// Reads an original's bytes into one buffer from <see cref="OriginalBuffers"/>, counting it in the miss's
/// <see cref="MemoryReservation"/> before the bytes arrive: the whole announced length at once, else the buffer as it grows.
/// </summary>
internal static class OriginalBody
{
    private const int FirstChunk = 64 * 1024;

    /// <summary>
    /// The body of <paramref name="announcedLength"/> bytes (a <c>Content-Length</c>, a file's length) or, when
    /// that is null, of whatever length arrives. 413 past <paramref name="maxBytes"/>; an <see cref="IOException"/>
    /// when a body ends before its announced length, as when a connection drops. Disposing the original gives its
    /// buffer back to <paramref name="buffers"/>.
    /// </summary>
    public static async Task<Original> ReadAsync(
        Stream body, long? announcedLength, long maxBytes, string? version, OriginalBuffers buffers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(buffers);
        if (announcedLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var (buffer, length) = announcedLength is { } announced
            ? await ReadAnnouncedAsync(body, (int)announced, buffers, cancellationToken).ConfigureAwait(false)
            : await ReadUnannouncedAsync(body, maxBytes, buffers, cancellationToken).ConfigureAwait(false);
        var content = buffer.AsMemory(0, length);
        return new Original(content, ImageSniffer.ContentTypeOf(content.Span), version ?? LocalFolderOriginalStore.VersionOf(content.Span))
        {
            // A small body's array is its own, of exactly its length: pass-through caches it as it is, without a copy.
            Owner = buffer.Length < OriginalBuffers.MinimumPooledLength && buffer.Length == length ? null : new Returned(buffers, buffer),
        };
    }

    // The common case: one array for the announced length, counted whole in the reservation before it is taken.
    private static async Task<(byte[] Buffer, int Length)> ReadAnnouncedAsync(Stream body, int length, OriginalBuffers buffers, CancellationToken cancellationToken)
    {
        MemoryReservation.Current?.Require(OriginalBuffers.ArrayLengthFor(length));
        var buffer = buffers.Rent(length);
        try
        {
            var read = await body.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < length)
            {
                throw new IOException($"The body ended after {read} of its {length} bytes.");
            }

            return (buffer, length);
        }
        catch
        {
            buffers.Return(buffer);
            throw;
        }
    }

    // Unknown length (a chunked body): a buffer that doubles, because a chunked body's final size is only known at its
    // end. Old and new buffer both live while the bytes move across, and both are counted.
    private static async Task<(byte[] Buffer, int Length)> ReadUnannouncedAsync(
        Stream body, long maxBytes, OriginalBuffers buffers, CancellationToken cancellationToken)
    {
        var reservation = MemoryReservation.Current;
        reservation?.Require(FirstChunk);
        var buffer = buffers.Rent(FirstChunk);
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
                    var capacity = OriginalBuffers.ArrayLengthFor((int)Math.Min((long)buffer.Length * 2, Math.Max(maxBytes + 1, buffer.Length + 1)));
                    reservation?.Require(buffer.Length + (long)capacity);
                    var larger = buffers.Rent(capacity);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    buffers.Return(buffer);
                    buffer = larger;
                }
            }

            return (buffer, length);
        }
        catch
        {
            buffers.Return(buffer);
            throw;
        }
    }

    private static EdgeProblemException TooLarge(long maxBytes) => EdgeProblemException.TooLarge($"The original is larger than {maxBytes} bytes.");

    /// <summary>Gives a buffer back to its pool once, however often it is disposed.</summary>
    private sealed class Returned(OriginalBuffers buffers, byte[] buffer) : IDisposable
    {
        private byte[]? _buffer = buffer;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } returned)
            {
                buffers.Return(returned);
            }
        }
    }
}
