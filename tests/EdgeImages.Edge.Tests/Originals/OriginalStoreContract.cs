using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.Originals;

/// <summary>
/// What every <see cref="IOriginalStore"/> promises the request path, run against each implementation: the stored bytes
/// with their type and a version that pins them, 404 for what is not there (another tenant's path included), 413
/// past the byte limit. Each implementation's fixture stores <see cref="PhotoPath"/> for tenant <c>acme</c>.
/// </summary>
public abstract class OriginalStoreContract
{
    protected const string PhotoPath = "photos/flower.jpg";
    protected const string PhotoImage = "photo-flower-3mp-baseline.jpg";

    /// <summary>An edge whose store holds <see cref="PhotoPath"/> for <see cref="EdgeServer.Tenant"/>.</summary>
    private protected abstract Task<EdgeServer> StartEdgeAsync(params (string Key, string Value)[] settings);

    [Fact]
    public async Task Fetch_StoredOriginal_ItsBytesTypeAndAVersion()
    {
        await using var edge = await StartEdgeAsync();

        using var original = await StoreOf(edge).FetchAsync(new OriginalKey(EdgeServer.Tenant, PhotoPath, null), CancellationToken.None);

        Assert.Equal(TestImages.Read(PhotoImage), original.Content.ToArray());
        Assert.Equal("image/jpeg", original.ContentType);
        Assert.False(string.IsNullOrEmpty(original.Version));
    }

    [Fact]
    public async Task Fetch_PinnedToTheVersionItReported_SameBytes()
    {
        await using var edge = await StartEdgeAsync();
        var store = StoreOf(edge);
        using var latest = await store.FetchAsync(new OriginalKey(EdgeServer.Tenant, PhotoPath, null), CancellationToken.None);

        using var pinned = await store.FetchAsync(new OriginalKey(EdgeServer.Tenant, PhotoPath, latest.Version), CancellationToken.None);

        Assert.Equal(latest.Version, pinned.Version);
        Assert.Equal(latest.Content.ToArray(), pinned.Content.ToArray());
    }

    [Theory]
    [InlineData(EdgeServer.Tenant, "photos/no-such-photo.jpg", null)]
    [InlineData(EdgeServer.Tenant, PhotoPath, "no-such-version")]
    [InlineData("beta", PhotoPath, null)]
    public async Task Fetch_NotStoredForThatTenantPathOrVersion_Is404(string tenant, string path, string? version)
    {
        await using var edge = await StartEdgeAsync();

        var problem = await Assert.ThrowsAsync<EdgeProblemException>(() => StoreOf(edge).FetchAsync(new OriginalKey(tenant, path, version), CancellationToken.None));

        Assert.Equal(404, problem.Status);
    }

    [Fact]
    public async Task Fetch_LargerThanMaxSourceBytes_Is413()
    {
        await using var edge = await StartEdgeAsync(("Transforms:MaxSourceBytes", "1000"));

        var problem = await Assert.ThrowsAsync<EdgeProblemException>(() => StoreOf(edge).FetchAsync(new OriginalKey(EdgeServer.Tenant, PhotoPath, null), CancellationToken.None));

        Assert.Equal(413, problem.Status);
    }

    private static IOriginalStore StoreOf(EdgeServer edge) => edge.Services.GetRequiredService<IOriginalStore>();
}
