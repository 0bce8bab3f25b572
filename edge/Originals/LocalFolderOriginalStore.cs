using System.Buffers.Text;
using System.Security.Cryptography;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Origin;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Originals;

/// <summary>
/// Originals from a local folder: the embedded default of the quick start. A version is the first 96 bits
/// of the file's SHA-256, so a <c>v:</c> URL keeps working exactly as long as those bytes are there.
/// </summary>
internal sealed class LocalFolderOriginalStore(
    IOptions<OriginalsOptions> options,
    IOptions<TransformLimits> limits,
    IHostEnvironment environment) : IOriginalStore
{
    private readonly string _root = ResolveRoot(options.Value.Path, environment.ContentRootPath);

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
            original = await OriginalBody.ReadAsync(stream, stream.Length, limits.Value.MaxSourceBytes, version: null, cancellationToken).ConfigureAwait(false);
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

    internal static string VersionOf(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        return Base64Url.EncodeToString(hash[..12]);
    }
}
