using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Origin;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Originals;

/// <summary>
/// Originals from a local folder: the embedded default of the quick start. A version is the first 96 bits
/// of the file's SHA-256, so a <c>v:</c> URL keeps working exactly as long as those bytes are there. The hash of a
/// file is remembered while its size and modification time stay what they were when it was read (the same test HTTP
/// servers make their ETags by): hashing a 3 MB photo was 1.5 ms of every miss of it.
/// </summary>
internal sealed class LocalFolderOriginalStore(
    IOptions<OriginalsOptions> options,
    IOptions<TransformLimits> limits,
    OriginalBuffers buffers,
    IHostEnvironment environment) : IOriginalStore
{
    // Files of the quick start's folder; past this many the table starts over (each file is hashed again once).
    private const int MaxRememberedVersions = 65_536;

    private readonly string _root = ResolveRoot(options.Value.Path, environment.ContentRootPath);
    private readonly ConcurrentDictionary<string, FileVersion> _versions = new(StringComparer.Ordinal);

    public static string ResolveRoot(string path, string contentRoot) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, path)) + System.IO.Path.DirectorySeparatorChar;

    public async Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
    {
        // The SDK has already refused '..', '\' and empty segments; resolving and re-checking the prefix
        // is defence in depth against anything that slipped through.
        var file = System.IO.Path.GetFullPath(System.IO.Path.Combine(_root, key.Tenant, key.Path));
        if (!file.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(file))
        {
            throw EdgeProblemException.NotFound("No such original.");
        }

        Original original;
        try
        {
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
            await using var _ = stream.ConfigureAwait(false);
            // Stated on the open file before and after the read: a remembered version is used only for bytes read while
            // the file was, throughout, the one it was made from.
            var before = FileVersion.Of(stream.SafeFileHandle);
            var known = _versions.TryGetValue(file, out var remembered) && remembered.SameFileAs(before) ? remembered.Version : null;
            original = await OriginalBody.ReadAsync(stream, stream.Length, limits.Value.MaxSourceBytes, known, buffers, cancellationToken).ConfigureAwait(false);
            var after = FileVersion.Of(stream.SafeFileHandle);
            if (!after.SameFileAs(before))
            {
                original.Dispose();
                throw new IOException("The original changed while it was read.");
            }

            if (known is null)
            {
                Remember(file, after with { Version = original.Version });
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A disk that fails is this store's equivalent of an origin that fails; the path stays private.
            throw UpstreamFailureException.Of(OriginFailureKind.Transport);
        }

        if (key.Version is not null && key.Version != original.Version)
        {
            original.Dispose();
            throw EdgeProblemException.NotFound("The original has no such version.");
        }

        return original;
    }

    private void Remember(string file, FileVersion version)
    {
        if (_versions.Count >= MaxRememberedVersions)
        {
            _versions.Clear();
        }

        _versions[file] = version;
    }

    internal static string VersionOf(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        return Base64Url.EncodeToString(hash[..12]);
    }

    /// <summary>What a file was when it was read (size, modification time), and the version its bytes had then.</summary>
    private readonly record struct FileVersion(long Length, DateTime Modified, string? Version)
    {
        public static FileVersion Of(Microsoft.Win32.SafeHandles.SafeFileHandle handle) =>
            new(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle), null);

        public bool SameFileAs(FileVersion other) => Length == other.Length && Modified == other.Modified;
    }
}
