using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Origin.Tests.Infrastructure;

namespace EdgeImages.Origin.Tests.Security;

public sealed class AuthTests(OriginFixture fixture) : IClassFixture<OriginFixture>
{
    private OriginServer Origin => fixture.Origin;

    [Fact]
    public async Task Put_NoCredential_Returns401WithBearerChallenge()
    {
        var (tenant, _) = await fixture.NewTenantAsync();

        using var response = await Origin.SendAsync(HttpMethod.Put, $"/v1/{tenant}/a.jpg", bearer: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("abcdefghijklmnop.not-the-secret")]
    public async Task Put_UnknownKey_Returns401(string key)
    {
        var (tenant, _) = await fixture.NewTenantAsync();

        using var response = await Origin.PutAsync(tenant, "a.jpg", TestImages.Jpeg, key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Put_RightKeyIdWrongSecret_Returns401()
    {
        var (tenant, _) = await fixture.NewTenantAsync();
        var (_, keyId) = await Origin.CreateKeyWithIdAsync(tenant);

        using var response = await Origin.PutAsync(tenant, "a.jpg", TestImages.Jpeg, keyId + "." + new string('A', 43));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PutDeleteAndList_AnotherTenantsKey_Return403()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        var (_, otherKey) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "a.jpg", TestImages.Jpeg, key);

        using var put = await Origin.PutAsync(tenant, "a.jpg", TestImages.Jpeg, otherKey);
        using var delete = await Origin.SendAsync(HttpMethod.Delete, $"/v1/{tenant}/a.jpg", otherKey);
        using var list = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}", otherKey);

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        using var stillThere = await Origin.EdgeGetAsync($"/v1/{tenant}/a.jpg");
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Fact]
    public async Task Put_EdgeCredential_Returns403()
    {
        var (tenant, _) = await fixture.NewTenantAsync();

        using var response = await Origin.PutAsync(tenant, "a.jpg", TestImages.Jpeg, OriginServer.EdgeToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Get_NoCredentialOrTenantKey_Returns401()
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "a.jpg", TestImages.Jpeg, key);

        using var anonymous = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}/a.jpg", bearer: null);
        using var withTenantKey = await Origin.SendAsync(HttpMethod.Get, $"/v1/{tenant}/a.jpg", key);
        using var withWrongToken = await Origin.SendAsync(HttpMethod.Head, $"/v1/{tenant}/a.jpg", OriginServer.EdgeToken + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withTenantKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withWrongToken.StatusCode);
    }

    [Fact]
    public async Task CreateKey_WithoutOrWithWrongAdminToken_Returns401()
    {
        using var anonymous = await Origin.SendAsync(HttpMethod.Post, "/v1/admin/tenants/newco/keys", bearer: null);
        using var edge = await Origin.SendAsync(HttpMethod.Post, "/v1/admin/tenants/newco/keys", OriginServer.EdgeToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, edge.StatusCode);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("Upper")]
    [InlineData("under_score")]
    public async Task CreateKey_ReservedOrInvalidTenant_Returns400(string tenant)
    {
        using var response = await Origin.SendAsync(HttpMethod.Post, $"/v1/admin/tenants/{tenant}/keys", OriginServer.AdminToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task CreateKey_TwiceForOneTenant_BothKeysWorkAndDiffer()
    {
        var (tenant, first) = await fixture.NewTenantAsync();

        using var response = await Origin.SendAsync(HttpMethod.Post, $"/v1/admin/tenants/{tenant}/keys", OriginServer.AdminToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var second = body.GetProperty("key").GetString()!;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.StartsWith(body.GetProperty("keyId").GetString()! + ".", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        await Origin.PutOkAsync(tenant, "1.jpg", TestImages.Jpeg, first);
        await Origin.PutOkAsync(tenant, "2.jpg", TestImages.Jpeg, second);
    }

    [Fact]
    public async Task RevokeKey_ThenWrite_Returns401WhileOtherKeysWork()
    {
        var (tenant, keep) = await fixture.NewTenantAsync();
        var (revoked, keyId) = await Origin.CreateKeyWithIdAsync(tenant);
        await Origin.PutOkAsync(tenant, "a.jpg", TestImages.Jpeg, revoked);

        using var revoke = await Origin.SendAsync(HttpMethod.Delete, $"/v1/admin/tenants/{tenant}/keys/{keyId}", OriginServer.AdminToken);
        using var afterRevoke = await Origin.PutAsync(tenant, "a.jpg", TestImages.Jpeg, revoked);
        using var revokeAgain = await Origin.SendAsync(HttpMethod.Delete, $"/v1/admin/tenants/{tenant}/keys/{keyId}", OriginServer.AdminToken);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revokeAgain.StatusCode);
        await Origin.PutOkAsync(tenant, "a.jpg", TestImages.Jpeg, keep);
    }

    [Fact]
    public async Task RevokeKey_OfAnotherTenantOrUnknown_Returns404()
    {
        var (tenant, _) = await fixture.NewTenantAsync();
        var (other, _) = await fixture.NewTenantAsync();
        var (_, keyId) = await Origin.CreateKeyWithIdAsync(tenant);

        using var wrongTenant = await Origin.SendAsync(HttpMethod.Delete, $"/v1/admin/tenants/{other}/keys/{keyId}", OriginServer.AdminToken);
        using var unknown = await Origin.SendAsync(HttpMethod.Delete, $"/v1/admin/tenants/{tenant}/keys/aaaaaaaaaaaaaaaa", OriginServer.AdminToken);

        Assert.Equal(HttpStatusCode.NotFound, wrongTenant.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task Get_EdgeCredentialSchemeInAnyCase_Returns200(string scheme)
    {
        var (tenant, key) = await fixture.NewTenantAsync();
        await Origin.PutOkAsync(tenant, "a.jpg", TestImages.Jpeg, key);

        using var response = await Origin.EdgeSendAsync(HttpMethod.Get, $"/v1/{tenant}/a.jpg",
            request => request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(scheme, OriginServer.EdgeToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
