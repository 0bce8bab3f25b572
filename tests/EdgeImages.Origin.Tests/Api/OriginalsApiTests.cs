using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeImages.Origin.Tests.Infrastructure;

namespace EdgeImages.Origin.Tests.Api;

public sealed class OriginalsApiTests(OriginFixture fixture) : IClassFixture<OriginFixture>
{
    private OriginServer Origin => fixture.Origin;

    [Fact]
    public async Task Put_Image_Returns201WithVersionHashSizeAndFormat()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var content = TestImages.Jpeg;

        using var response = await Origin.PutAsync(tenant, "photos/cat.jpg", content, key);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var version = body.GetProperty("version").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{1,64}$", version);
        Assert.Equal(tenant, body.GetProperty("tenant").GetString());
        Assert.Equal("photos/cat.jpg", body.GetProperty("path").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), body.GetProperty("hash").GetString());
        Assert.Equal(content.Length, body.GetProperty("bytes").GetInt64());
        Assert.Equal(2, body.GetProperty("width").GetInt32());
        Assert.Equal(3, body.GetProperty("height").GetInt32());
        Assert.Equal("jpeg", body.GetProperty("format").GetString());
        Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(content))}\"", response.Headers.ETag!.ToString());
        Assert.False(response.Headers.ETag.IsWeak);
        Assert.Equal($"/v1/{tenant}/photos/cat.jpg?version={version}", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Get_AfterPut_ReturnsBytesWithTypeLengthETagVersionAndLastModified()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var content = TestImages.Png;
        var put = await Origin.PutOkAsync(tenant, "a/b.png", content, key);

        using var response = await Origin.EdgeGetAsync($"/v1/{tenant}/a/b.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.Equal($"\"{put.GetProperty("hash").GetString()}\"", response.Headers.ETag!.Tag);
        Assert.Equal(put.GetProperty("version").GetString(), response.Headers.GetValues("X-Origin-Version").Single());
        Assert.NotNull(response.Content.Headers.LastModified);
    }

    [Fact]
    public async Task Head_AfterPut_ReturnsHeadersWithoutBody()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var content = TestImages.Jpeg;
        var put = await Origin.PutOkAsync(tenant, "h.jpg", content, key);

        using var response = await Origin.EdgeSendAsync(HttpMethod.Head, $"/v1/{tenant}/h.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(put.GetProperty("version").GetString(), response.Headers.GetValues("X-Origin-Version").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_IfNoneMatchCurrentETag_Returns304WithVersion()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var put = await Origin.PutOkAsync(tenant, "c.jpg", TestImages.Jpeg, key);
        var etag = $"\"{put.GetProperty("hash").GetString()}\"";

        using var response = await Origin.EdgeSendAsync(HttpMethod.Get, $"/v1/{tenant}/c.jpg",
            request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag)));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal(etag, response.Headers.ETag!.Tag);
        Assert.Equal(put.GetProperty("version").GetString(), response.Headers.GetValues("X-Origin-Version").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_IfNoneMatchOldETag_Returns200()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "c.jpg", TestImages.Jpeg, key);
        await Origin.PutOkAsync(tenant, "c.jpg", TestImages.Png, key);

        using var response = await Origin.EdgeSendAsync(HttpMethod.Get, $"/v1/{tenant}/c.jpg",
            request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(TestImages.Jpeg))}\"")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestImages.Png, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_UnknownOriginal_Returns404Problem()
    {
        var (tenant, _) = await fixture.NewTenantAsync();

        using var response = await Origin.EdgeGetAsync($"/v1/{tenant}/missing.jpg");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Put_Twice_LatestServesNewAndOldVersionStaysPinnable()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var first = (await Origin.PutOkAsync(tenant, "v.img", TestImages.Jpeg, key)).GetProperty("version").GetString()!;
        var second = (await Origin.PutOkAsync(tenant, "v.img", TestImages.Png, key)).GetProperty("version").GetString()!;

        Assert.NotEqual(first, second);
        using var latest = await Origin.EdgeGetAsync($"/v1/{tenant}/v.img");
        Assert.Equal(TestImages.Png, await latest.Content.ReadAsByteArrayAsync());
        Assert.Equal(second, latest.Headers.GetValues("X-Origin-Version").Single());

        using var pinned = await Origin.EdgeGetAsync($"/v1/{tenant}/v.img?version={first}");
        Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        Assert.Equal(TestImages.Jpeg, await pinned.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", pinned.Content.Headers.ContentType!.MediaType);
        Assert.Equal(first, pinned.Headers.GetValues("X-Origin-Version").Single());
        Assert.Contains("immutable", pinned.Headers.CacheControl!.Extensions.Select(e => e.Name));
    }

    [Theory]
    [InlineData("01J0000000000000000000000Z")]
    [InlineData("nope")]
    public async Task Get_UnknownVersion_Returns404(string version)
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "x.jpg", TestImages.Jpeg, key);

        using var response = await Origin.EdgeGetAsync($"/v1/{tenant}/x.jpg?version={version}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Get_MalformedVersion_Returns400()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "x.jpg", TestImages.Jpeg, key);

        using var response = await Origin.EdgeGetAsync($"/v1/{tenant}/x.jpg?version=a.b");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Delete_Original_Returns204AndEveryVersionIsGone()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var first = (await Origin.PutOkAsync(tenant, "d.jpg", TestImages.Jpeg, key)).GetProperty("version").GetString();
        await Origin.PutOkAsync(tenant, "d.jpg", TestImages.Png, key);

        using var deleted = await Origin.SendAsync(HttpMethod.Delete, $"/v1/{tenant}/d.jpg", key);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var latest = await Origin.EdgeGetAsync($"/v1/{tenant}/d.jpg");
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);
        using var pinned = await Origin.EdgeGetAsync($"/v1/{tenant}/d.jpg?version={first}");
        Assert.Equal(HttpStatusCode.NotFound, pinned.StatusCode);
        using var again = await Origin.SendAsync(HttpMethod.Delete, $"/v1/{tenant}/d.jpg", key);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Put_AfterDelete_StartsAFreshOriginal()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "r.jpg", TestImages.Jpeg, key);
        using (await Origin.SendAsync(HttpMethod.Delete, $"/v1/{tenant}/r.jpg", key))
        {
        }

        var again = await Origin.PutOkAsync(tenant, "r.jpg", TestImages.Png, key);

        using var latest = await Origin.EdgeGetAsync($"/v1/{tenant}/r.jpg");
        Assert.Equal(again.GetProperty("version").GetString(), latest.Headers.GetValues("X-Origin-Version").Single());
    }

    [Fact]
    public async Task Put_ExifOrientation6_RecordsTheDisplayedSize()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var content = TestImages.Read("exif-orientation-6.jpg");
        var (storedWidth, storedHeight) = StoredSize(content);

        var body = await Origin.PutOkAsync(tenant, "turned.jpg", content, key);

        Assert.Equal(storedHeight, body.GetProperty("width").GetInt32());
        Assert.Equal(storedWidth, body.GetProperty("height").GetInt32());
    }

    [Theory]
    [InlineData("tiny-1x1.gif", "gif", "image/gif")]
    [InlineData("webp-lossy.webp", "webp", "image/webp")]
    [InlineData("bmp-24bit.bmp", "bmp", "image/bmp")]
    public async Task Put_EachFormat_IsSniffedAndServedWithItsType(string image, string format, string contentType)
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        // The name says .bin: the type comes from the bytes, never from the path.
        var body = await Origin.PutOkAsync(tenant, "file.bin", TestImages.Read(image), key);

        Assert.Equal(format, body.GetProperty("format").GetString());
        using var response = await Origin.EdgeGetAsync($"/v1/{tenant}/file.bin");
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Put_EncodedUnicodePath_IsStoredDecodedAndReadBackEncoded()
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        var body = await Origin.PutOkAsync(tenant, "a%20b/caf%C3%A9.jpg", TestImages.Jpeg, key);

        Assert.Equal("a b/café.jpg", body.GetProperty("path").GetString());
        using var response = await Origin.EdgeGetAsync($"/v1/{tenant}/a%20b/caf%C3%A9.jpg");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("a/../b.jpg")]
    [InlineData("a/./b.jpg")]
    [InlineData("a//b.jpg")]
    [InlineData("a%2Fb.jpg")]
    [InlineData("a%5Cb.jpg")]
    [InlineData("a%00b.jpg")]
    [InlineData("a%0Ab.jpg")]
    [InlineData("a%zzb.jpg")]
    [InlineData("%C3%28.jpg")]
    public async Task Put_HostilePath_Returns400AndStoresNothing(string encodedPath)
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        using var response = await Origin.PutAsync(tenant, encodedPath, TestImages.Jpeg, key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var list = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}", key);
        Assert.Equal(0, (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Put_PathOver1024Bytes_Returns400()
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        using var response = await Origin.PutAsync(tenant, new string('a', 1025), TestImages.Jpeg, key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static (int Width, int Height) StoredSize(byte[] content)
    {
        using var codec = SkiaSharp.SKCodec.Create(new SkiaSharp.SKMemoryStream(content));
        return (codec.Info.Width, codec.Info.Height);
    }
}
