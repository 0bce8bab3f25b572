using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Keys;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd.Documents;
using EdgeImages.Sdk.Signing;
using EdgeImages.Testing;

namespace EdgeImages.ControlPlane.Tests.Admin;

/// <summary>
/// Two tenants, acme and globex, on the small world (real etcd, a real control plane, two real edges in two regions):
/// acme's signing key never reads globex's original through any edge, and acme's admin keys never reach globex.
/// </summary>
public sealed class TenantIsolationTests(Deployment world) : IClassFixture<Deployment>
{
    private const string Globex = "globex";
    private const string GlobexOriginal = "contracts/q3.jpg";

    private ControlPlaneServer Server => world.ControlPlane;

    [Fact]
    public async Task AcmeSigningKey_GlobexOriginal_403OnEveryEdge_AcmeOriginal200()
    {
        var secret = await CreateActiveKeyAsync("iso-acme", ["acme"]);
        var edges = new[] { world.Frankfurt, world.Ashburn };
        foreach (var edge in edges)
        {
            PlaceGlobexOriginal(edge);
        }

        await Eventually.WaitAsync(async () =>
        {
            foreach (var edge in edges)
            {
                using var acme = await edge.GetAsync("iso-acme", secret, "w:64", "photos/cat.jpg");
                if (acme.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(20), "iso-acme accepted for acme on every edge");

        foreach (var edge in edges)
        {
            using var stolen = await SignedGetAsync(edge, "iso-acme", secret, Globex, GlobexOriginal);
            Assert.Equal(HttpStatusCode.Forbidden, stolen.StatusCode);
            Assert.Contains("not valid for this tenant", await stolen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StoredKeyWithoutBinding_RefusedByEdges_UntilBoundAtTheControlPlane()
    {
        // A key as stored before keys were bound to tenants: no tenant list at all.
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var box = Server.Services.GetRequiredService<SecretBox>();
        var writer = Server.Services.GetRequiredService<ChangeWriter>();
        var legacy = new SigningKeyDocument { Kid = "legacy", State = SigningKeyDocument.Active, Secret = box.Seal("legacy", secret), CreatedAt = DateTimeOffset.UtcNow };
        Assert.True(await writer.CommitAsync("test", "key.create", "legacy", null, [], [ChangeWriter.Put(writer.Keys.Key("legacy"), DocumentJson.Encode(legacy))], CancellationToken.None));
        await Eventually.WaitAsync(() => world.Frankfurt.State.Snapshot.Keys.ContainsKey("legacy"), TimeSpan.FromSeconds(20), "the edge saw the legacy key");

        // Fail closed: the edge holds the document but verifies nothing with it, not even for acme.
        Assert.False(world.Frankfurt.State.TryGetKey("legacy", out _));
        using (var refused = await world.Frankfurt.GetAsync("legacy", secret, "w:66", "photos/cat.jpg"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var bind = await Server.Client.PutAsJsonAsync("/v1/keys/legacy/tenants", new { tenants = new[] { "acme" } });
        Assert.Equal(HttpStatusCode.OK, bind.StatusCode);
        await Eventually.WaitAsync(async () =>
        {
            using var accepted = await world.Frankfurt.GetAsync("legacy", secret, "w:66", "photos/cat.jpg");
            return accepted.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(20), "the bound key accepted for acme");
        PlaceGlobexOriginal(world.Frankfurt);
        using var globex = await SignedGetAsync(world.Frankfurt, "legacy", secret, Globex, GlobexOriginal);
        Assert.Equal(HttpStatusCode.Forbidden, globex.StatusCode);
        Assert.Contains("key.bind", await Server.Client.GetStringAsync("/v1/audit?limit=50"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcmeScopedPurgeKey_PurgesAcme_403OnGlobex()
    {
        using var purger = Server.Authorized(await CreateAdminKeyAsync("acme-purger", ["purge"], ["acme"]));

        using var own = await purger.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = "photos/cat.jpg" });
        using var other = await purger.PostAsJsonAsync("/v1/purge", new { tenant = Globex, path = GlobexOriginal });
        using var wholeOther = await purger.PostAsJsonAsync("/v1/purge", new { tenant = Globex });

        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        await AssertForbiddenAsync(other, "not valid for tenant 'globex'");
        await AssertForbiddenAsync(wholeOther, "not valid for tenant 'globex'");
    }

    [Fact]
    public async Task AcmeScopedTenantsKey_OwnSettingsOnly_NeverQuotaOrOrigin()
    {
        (await Server.Client.PutAsJsonAsync("/v1/tenants/acme", new { requestsPerSecond = 50, burst = 10, origin = "origin-eu" })).EnsureSuccessStatusCode();
        (await Server.Client.PutAsJsonAsync($"/v1/tenants/{Globex}", new { maxAgeSeconds = 60 })).EnsureSuccessStatusCode();
        using var acme = Server.Authorized(await CreateAdminKeyAsync("acme-tenant", ["tenants", "read"], ["acme"]));

        using var ownTtl = await acme.PutAsJsonAsync("/v1/tenants/acme", new { maxAgeSeconds = 120, requestsPerSecond = 50 });
        Assert.Equal(HttpStatusCode.OK, ownTtl.StatusCode);
        var stored = await Server.Client.GetFromJsonAsync<JsonElement>("/v1/tenants/acme");
        Assert.Equal(120, stored.GetProperty("maxAgeSeconds").GetInt32());
        Assert.Equal(50, stored.GetProperty("requestsPerSecond").GetInt32());
        Assert.Equal(10, stored.GetProperty("burst").GetInt32());
        Assert.Equal("origin-eu", stored.GetProperty("origin").GetString());

        await AssertForbiddenAsync(await acme.PutAsJsonAsync("/v1/tenants/acme", new { requestsPerSecond = 5000 }), "platform API key");
        await AssertForbiddenAsync(await acme.PutAsJsonAsync("/v1/tenants/acme", new { origin = "origin-of-globex" }), "platform API key");
        await AssertForbiddenAsync(await acme.DeleteAsync("/v1/tenants/acme"), "platform API key");
        await AssertForbiddenAsync(await acme.PutAsJsonAsync($"/v1/tenants/{Globex}", new { maxAgeSeconds = 1 }), "not valid for tenant 'globex'");
        await AssertForbiddenAsync(await acme.GetAsync($"/v1/tenants/{Globex}"), "not valid for tenant 'globex'");

        var listed = await acme.GetFromJsonAsync<JsonElement>("/v1/tenants");
        Assert.Equal(["acme"], listed.EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.Equal(60, (await Server.Client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{Globex}")).GetProperty("maxAgeSeconds").GetInt32());
    }

    [Fact]
    public async Task AcmeScopedKeysKey_SigningKeysOfAcmeOnly()
    {
        using var acme = Server.Authorized(await CreateAdminKeyAsync("acme-keys", ["keys", "read"], ["acme"]));
        await CreateActiveKeyAsync("iso-globex", [Globex]);

        Assert.Equal(HttpStatusCode.Created, (await acme.PostAsJsonAsync("/v1/keys", new { kid = "iso-acme-2", tenants = new[] { "acme" } })).StatusCode);
        await AssertForbiddenAsync(await acme.PostAsJsonAsync("/v1/keys", new { kid = "iso-steal", tenants = new[] { Globex } }), "not valid");
        await AssertForbiddenAsync(await acme.PostAsJsonAsync("/v1/keys", new { kid = "iso-all", tenants = new[] { "*" } }), "platform");
        await AssertForbiddenAsync(await acme.PostAsync("/v1/keys/iso-globex/retire", null), "not valid for the tenants of key 'iso-globex'");
        await AssertForbiddenAsync(await acme.PutAsJsonAsync("/v1/keys/iso-globex/tenants", new { tenants = new[] { "acme" } }), "not valid");
        Assert.Equal(HttpStatusCode.BadRequest, (await acme.PostAsJsonAsync("/v1/keys", new { kid = "iso-unbound" })).StatusCode);

        var kids = (await acme.GetFromJsonAsync<JsonElement>("/v1/keys")).EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
        Assert.Contains("iso-acme-2", kids);
        Assert.DoesNotContain("iso-globex", kids);

        // Activating acme's key leaves globex's active key active: at most one active key per tenant, not per platform.
        (await acme.PostAsync("/v1/keys/iso-acme-2/activate", null)).EnsureSuccessStatusCode();
        var all = await Server.Client.GetFromJsonAsync<JsonElement>("/v1/keys");
        Assert.Equal("active", all.EnumerateArray().Single(k => k.GetProperty("kid").GetString() == "iso-globex").GetProperty("state").GetString());
    }

    [Fact]
    public async Task AcmeScopedReadKey_TopologyAndDashboard_403()
    {
        using var acme = Server.Authorized(await CreateAdminKeyAsync("acme-reader", ["read"], ["acme"]));

        await AssertForbiddenAsync(await acme.GetAsync("/v1/regions"), "platform key");
        await AssertForbiddenAsync(await acme.GetAsync("/v1/health"), "platform key");
        await AssertForbiddenAsync(await acme.GetAsync("/v1/dashboard/state"), "platform key");
        Assert.Equal(HttpStatusCode.BadRequest, (await Server.Client.PostAsJsonAsync("/v1/admin-keys", new { name = "x", scopes = new[] { "admin" }, tenants = new[] { "acme" } })).StatusCode);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    public async Task BearerScheme_AnyCase_Authenticates(string scheme)
    {
        using var client = Server.Authorized(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, ControlPlaneServer.BootstrapKey);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/regions")).StatusCode);
    }

    [Fact]
    public async Task Dashboard_StateNeedsAPlatformReadKey_SignInCookieServesReadsOnly()
    {
        using var anonymous = Server.Authorized(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/dashboard/state")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/")).StatusCode);
        Assert.Contains("<form method=\"post\" action=\"/dashboard/sign-in\">", await anonymous.GetStringAsync("/dashboard/sign-in"), StringComparison.Ordinal);
        var reader = await CreateAdminKeyAsync("dash-reader", ["read", "purge"], null);

        using var handler = new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = Server.Address };
        using var signIn = await browser.PostAsync("/dashboard/sign-in", new FormUrlEncodedContent([new("key", reader)]));

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/v1/dashboard/state")).StatusCode);
        // The cookie rides along on any request the browser makes, so it never authorizes a change.
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("/v1/purge", new { tenant = "acme" })).StatusCode);

        var scoped = await CreateAdminKeyAsync("dash-scoped", ["read"], ["acme"]);
        using var scopedSignIn = await anonymous.PostAsync("/dashboard/sign-in", new FormUrlEncodedContent([new("key", scoped)]));
        Assert.Equal(HttpStatusCode.Forbidden, scopedSignIn.StatusCode);
    }

    [Fact]
    public async Task FailedAuthentications_PastTheLimitPerAddress_429EvenForAValidKey()
    {
        await using var limited = await ControlPlaneServer.StartAsync(world.Etcd.Endpoints, "cp-limited", new Dictionary<string, string?> { ["Admin:AuthFailuresPerMinute"] = "3" });
        using var guesser = limited.Authorized("aaaaaaaaaaaaaaaa.guessed-secret");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await guesser.GetAsync("/v1/regions");
            statuses.Add(response.StatusCode);
        }

        using var valid = await limited.Client.GetAsync("/v1/regions");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, valid.StatusCode);
        Assert.NotNull(valid.Headers.RetryAfter);
        Assert.Equal("application/problem+json", valid.Content.Headers.ContentType?.MediaType);
    }

    private static void PlaceGlobexOriginal(EdgeNode edge)
    {
        var file = Path.Combine(edge.Folder, "originals", Globex, GlobexOriginal);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.Copy(Path.Combine(RepositoryPaths.TestImages, "exif-orientation-1.jpg"), file, overwrite: true);
    }

    /// <summary>A URL signed with a secret as an attacker holding it would: the SDK's tenant check is not in the way.</summary>
    private static Task<HttpResponseMessage> SignedGetAsync(EdgeNode edge, string kid, byte[] secret, string tenant, string path)
    {
        var message = $"/w:64/{tenant}/{path}";
        var signature = UrlSigner.Sign(new SigningKey(kid, secret, KeyTenants.AllTenants), message);
        return edge.Client.GetAsync(new Uri($"/{signature}{message}", UriKind.Relative));
    }

    private async Task<byte[]> CreateActiveKeyAsync(string kid, string[] tenants)
    {
        using var response = await Server.Client.PostAsJsonAsync("/v1/keys", new { kid, tenants });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(tenants, created.GetProperty("tenants").EnumerateArray().Select(t => t.GetString()));
        (await Server.Client.PostAsync($"/v1/keys/{kid}/activate", null)).EnsureSuccessStatusCode();
        return Convert.FromHexString(created.GetProperty("secret").GetString()!);
    }

    private async Task<string> CreateAdminKeyAsync(string name, string[] scopes, string[]? tenants)
    {
        using var response = await Server.Client.PostAsJsonAsync("/v1/admin-keys", new { name, scopes, tenants });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response, string detail)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(detail, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
