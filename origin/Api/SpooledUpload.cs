using System.Buffers;
using System.Security.Cryptography;
using EdgeImages.Origin.Http;

namespace EdgeImages.Origin.Api;

/// <summary>
/// A request body read once, hashed as it arrives, counted against the limit whatever Content-Length said (or did
/// not say, when chunked), and kept for the header check and the database: in memory while small, in a temp file
/// (deleted on close) beyond that, so a 50 MiB upload never sits in memory whole. Over the limit, reading stops
/// and nothing is kept.
/// </summary>
internal sealed class SpooledUpload : IAsyncDisposable
{
    private readonly Stream _content;

    private SpooledUpload(Stream content, long length, byte[] sha256)
    {
        _content = content;
        Length = length;
        Sha256 = sha256;
    }

    public long Length { get; }

    public byte[] Sha256 { get; }

    /// <summary>The bytes from the start; rewound on every call.</summary>
    public Stream Content
    {
        get
        {
            _content.Position = 0;
            return _content;
        }
    }

    public static async Task<SpooledUpload> ReadAsync(Stream body, long maxBytes, int memoryBytes, CancellationToken cancellationToken)
    {
        Stream spool = new MemoryStream();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        long total = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    throw OriginProblemException.TooLarge($"Uploads are limited to {maxBytes} bytes.");
                }

                hash.AppendData(buffer, 0, read);
                if (spool is MemoryStream memory && total > memoryBytes)
                {
                    var file = new FileStream(
                        Path.Combine(Path.GetTempPath(), "origin-upload-" + Guid.NewGuid().ToString("N")),
                        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
                        FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                    memory.Position = 0;
                    await memory.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    await memory.DisposeAsync().ConfigureAwait(false);
                    spool = file;
                }

                await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            await spool.FlushAsync(cancellationToken).ConfigureAwait(false);
            return new SpooledUpload(spool, total, hash.GetHashAndReset());
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public ValueTask DisposeAsync() => _content.DisposeAsync();
}
