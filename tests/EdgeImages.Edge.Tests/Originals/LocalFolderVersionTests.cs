using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tests.Transforms;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Originals;

/// <summary>
/// The local folder's versions are the files' hashes, remembered between reads: a file written again must get the
/// version of its new bytes at once, and the old version must stop answering.
/// </summary>
public sealed class LocalFolderVersionTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("edgeimages-local-versions-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task Fetch_FileWrittenAgain_VersionOfTheNewBytes_OldVersionGone()
    {
        var store = Store();
        var file = Path.Combine(_folder.FullName, "acme", "cat.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, TestImages.Read("tiny-2x3.png"));
        string first;
        using (var original = await store.FetchAsync(new OriginalKey("acme", "cat.jpg", null), CancellationToken.None))
        {
            first = original.Version;
        }

        // Asked again (remembered now), then written again with other bytes of the same length a second later.
        using (var again = await store.FetchAsync(new OriginalKey("acme", "cat.jpg", null), CancellationToken.None))
        {
            Assert.Equal(first, again.Version);
        }

        var changed = TestImages.Read("tiny-2x3.png");
        changed[^20] ^= 0xFF;
        await File.WriteAllBytesAsync(file, changed);
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(1));

        using var current = await store.FetchAsync(new OriginalKey("acme", "cat.jpg", null), CancellationToken.None);
        Assert.Equal(LocalFolderOriginalStore.VersionOf(changed), current.Version);
        Assert.NotEqual(first, current.Version);
        var gone = await Assert.ThrowsAsync<EdgeProblemException>(() => store.FetchAsync(new OriginalKey("acme", "cat.jpg", first), CancellationToken.None));
        Assert.Equal(404, gone.Status);
    }

    private LocalFolderOriginalStore Store() => new(
        Options.Create(new OriginalsOptions { Path = _folder.FullName }),
        Options.Create(new TransformLimits()),
        new OriginalBuffers(maxIdleCount: 4, maxIdleBytes: 64L * 1024 * 1024),
        new HostingEnvironment { ContentRootPath = _folder.FullName });
}
