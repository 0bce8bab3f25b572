using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Origin.Tests.Infrastructure;

namespace EdgeImages.Origin.Tests.Api;

public sealed class ListingTests(OriginFixture fixture) : IClassFixture<OriginFixture>
{
    private OriginServer Origin => fixture.Origin;

    [Fact]
    public async Task List_ByPrefixInPages_ReturnsEveryMatchOnceInPathOrder()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var paths = Enumerable.Range(0, 7).Select(i => $"photos/{i:D2}.jpg").ToList();
        foreach (var path in paths)
        {
            await Origin.PutOkAsync(tenant, path, TestImages.Jpeg, key);
        }

        await Origin.PutOkAsync(tenant, "other/x.jpg", TestImages.Jpeg, key);
        await Origin.PutOkAsync(tenant, "photos_/not-a-prefix-match.jpg", TestImages.Jpeg, key);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/v1/{tenant}?prefix=photos/&limit=3" + (cursor is null ? "" : $"&cursor={cursor}");
            using var response = await Origin.SendAsync(HttpMethod.Get, url, key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            foreach (var item in body.GetProperty("items").EnumerateArray())
            {
                seen.Add(item.GetProperty("path").GetString()!);
                Assert.Equal(2, item.GetProperty("width").GetInt32());
                Assert.Equal(3, item.GetProperty("height").GetInt32());
                Assert.Equal("jpeg", item.GetProperty("format").GetString());
                Assert.Equal(TestImages.Jpeg.Length, item.GetProperty("bytes").GetInt64());
                Assert.Matches("^[A-Za-z0-9_-]+$", item.GetProperty("version").GetString());
                Assert.True(item.TryGetProperty("updatedAt", out _));
            }

            cursor = body.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(paths, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task List_WritesBetweenPages_NextPageStartsAfterTheCursor()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        foreach (var name in new[] { "b", "d", "f" })
        {
            await Origin.PutOkAsync(tenant, name, TestImages.Jpeg, key);
        }

        using var first = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}?limit=2", key);
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>();
        var cursor = firstBody.GetProperty("nextCursor").GetString();
        await Origin.PutOkAsync(tenant, "a", TestImages.Jpeg, key); // before the cursor: not seen, not repeated
        await Origin.PutOkAsync(tenant, "e", TestImages.Jpeg, key); // after it: seen

        using var second = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}?limit=2&cursor={cursor}", key);
        var items = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("path").GetString()).ToList();

        Assert.Equal(["e", "f"], items);
    }

    [Fact]
    public async Task List_DeletedOriginal_IsNotListed()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "keep.jpg", TestImages.Jpeg, key);
        await Origin.PutOkAsync(tenant, "gone.jpg", TestImages.Jpeg, key);
        using (await Origin.SendAsync(HttpMethod.Delete, $"/v1/{tenant}/gone.jpg", key))
        {
        }

        using var response = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}", key);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(["keep.jpg"], body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("nextCursor").ValueKind);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=x")]
    [InlineData("cursor=%%%")]
    [InlineData("cursor=_w")]
    public async Task List_BadParameters_Returns400(string query)
    {
        var (tenant, key) = await fixture.NewTenantAsync();

        using var response = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}?{query}", key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
