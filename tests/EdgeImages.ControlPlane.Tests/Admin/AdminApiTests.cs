using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;

namespace EdgeImages.ControlPlane.Tests.Admin;

public sealed class AdminApiTests(Deployment world) : IClassFixture<Deployment>
{
    private ControlPlaneServer Server => world.ControlPlane;

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    [InlineData("aaaaaaaaaaaaaaaa.made-up-secret")]
    public async Task NoKeyOrUnknownKey_Is401ProblemWithChallenge(string? key)
    {
        using var client = Server.Authorized(key);
        using var response = await client.PostAsJsonAsync("/v1/purge", new { tenant = "acme" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ScopedKeys_MayDoTheirScopeOnly_403Otherwise()
    {
        using var purger = Server.Authorized(await Server.CreateApiKeyAsync("purger", "purge"));
        using var reader = Server.Authorized(await Server.CreateApiKeyAsync("reader", "read"));
        using var keyAdmin = Server.Authorized(await Server.CreateApiKeyAsync("key-admin", "keys", "read"));

        Assert.Equal(HttpStatusCode.Accepted, (await purger.PostAsJsonAsync("/v1/purge", new { tenant = "acme" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await purger.GetAsync("/v1/tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await purger.PutAsJsonAsync("/v1/tenants/acme", new { maxAgeSeconds = 60 })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/v1/keys", new { kid = "nope", tenants = new[] { "acme" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("/v1/audit")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await keyAdmin.PostAsJsonAsync("/v1/keys", new { kid = "by-key-admin", tenants = new[] { "acme" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await keyAdmin.PostAsJsonAsync("/v1/admin-keys", new { name = "x", scopes = new[] { "admin" } })).StatusCode);
        var forbidden = await keyAdmin.PostAsJsonAsync("/v1/purge", new { tenant = "acme" });
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RevokedKey_Is401()
    {
        using var response = await Server.Client.PostAsJsonAsync("/v1/admin-keys", new { name = "short-lived", scopes = new[] { "read" } });
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        using var client = Server.Authorized(created.GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/regions")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Server.Client.DeleteAsync($"/v1/admin-keys/{created.GetProperty("id").GetString()}")).StatusCode);
        await Eventually.WaitAsync(async () => (await client.GetAsync("/v1/regions")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20), "revoked key refused");
    }

    [Fact]
    public async Task ApiKeys_AreStoredHashed_AndListedWithoutSecrets()
    {
        var key = await Server.CreateApiKeyAsync("hashed", "read");
        var listing = await Server.Client.GetStringAsync("/v1/admin-keys");
        Assert.Contains("hashed", listing, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Split('.')[1], listing, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", listing.Replace("\"hashed\"", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

        var etcd = Server.Services.GetRequiredService<EdgeImages.ControlPlane.Etcd.EtcdStore>();
        var stored = await etcd.RangeAsync(etcd.Keys.AdminKeys, CancellationToken.None);
        Assert.DoesNotContain(stored.Kvs, kv => kv.Value.ToStringUtf8().Contains(key.Split('.')[1], StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryChange_IsAudited_WithWhoWhatWhen()
    {
        using var tenants = Server.Authorized(await Server.CreateApiKeyAsync("tenant-bot", "tenants"));
        (await tenants.PutAsJsonAsync("/v1/tenants/audited", new { maxAgeSeconds = 120 })).EnsureSuccessStatusCode();

        var audit = await Server.Client.GetFromJsonAsync<JsonElement>("/v1/audit?limit=20");
        var entry = audit.EnumerateArray().First(e => e.GetProperty("action").GetString() == "tenant.put" && e.GetProperty("target").GetString() == "audited");
        Assert.StartsWith("tenant-bot (", entry.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.True(entry.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "admin-key.create" && e.GetProperty("actor").GetString() == "bootstrap");
    }

    [Fact]
    public async Task BadInput_Is400Problem_NamingEveryField()
    {
        using var response = await Server.Client.PutAsJsonAsync("/v1/tenants/acme", new { maxAgeSeconds = -1, requestsPerSecond = 0, allowedOptions = new[] { "W!" }, staleIfErrorSeconds = -5 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("maxAgeSeconds", detail, StringComparison.Ordinal);
        Assert.Contains("requestsPerSecond", detail, StringComparison.Ordinal);
        Assert.Contains("allowedOptions", detail, StringComparison.Ordinal);
        Assert.Contains("staleIfErrorSeconds", detail, StringComparison.Ordinal);

        using var malformed = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        using var bad = await Server.Client.PostAsync("/v1/purge", malformed);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.Created, (await Server.Client.PostAsJsonAsync("/v1/keys", new { kid = "twice", tenants = new[] { "acme" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Server.Client.PostAsJsonAsync("/v1/keys", new { kid = "twice", tenants = new[] { "acme" } })).StatusCode);
    }

    [Fact]
    public async Task TenantPresetOutsideThePresetGrammar_Is400NamingThePreset()
    {
        // What the edge would refuse on every URL naming the preset: '-' and the options that are not transformations.
        using var response = await Server.Client.PutAsJsonAsync("/v1/tenants/acme", new
        {
            presets = new Dictionary<string, string> { ["thumb"] = "w:50", ["original"] = "-", ["expiring"] = "w:50,exp:4102444800", ["typo"] = "w:5O" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("'presets.original': a preset holds transformation options only", detail, StringComparison.Ordinal);
        Assert.Contains("'presets.expiring': a preset holds transformation options only", detail, StringComparison.Ordinal);
        Assert.Contains("'presets.typo'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("'presets.thumb'", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminApi()
    {
        var document = await Server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/route", "/v1/steer", "/v1/keys", "/v1/keys/{kid}/activate", "/v1/tenants/{id}", "/v1/purge", "/v1/admin-keys", "/v1/audit", "/v1/pops/{id}/drain" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
        }
    }

    [Fact]
    public async Task TenantChange_IsAppliedByEveryEdge()
    {
        (await Server.Client.PutAsJsonAsync("/v1/tenants/acme", new
        {
            origin = "origin-eu",
            maxAgeSeconds = 42,
            staleWhileRevalidateSeconds = 30,
            staleIfErrorSeconds = 600,
            allowedOptions = new[] { "w", "h", "p" },
            presets = new Dictionary<string, string> { ["thumb"] = "w:50,h:50" },
            requestsPerSecond = 1000,
            burst = 100,
        })).EnsureSuccessStatusCode();

        foreach (var edge in new[] { world.Frankfurt, world.Ashburn })
        {
            await Eventually.WaitAsync(() => edge.State.Get("acme").MaxAge == TimeSpan.FromSeconds(42), TimeSpan.FromSeconds(20), "tenant applied");
            Assert.Equal("origin-eu", edge.State.Get("acme").Origin);
            Assert.Equal(1000, edge.State.Get("acme").RequestsPerSecond);
            using var preset = await edge.GetStaticAsync("p:thumb", "photos/cat.jpg");
            Assert.Equal(HttpStatusCode.OK, preset.StatusCode);
            Assert.Equal("public, max-age=42, stale-while-revalidate=30, stale-if-error=600", preset.Headers.NonValidated["Cache-Control"].ToString());
            using var refused = await edge.GetStaticAsync("w:64,q:50", "photos/cat.jpg");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        (await Server.Client.DeleteAsync("/v1/tenants/acme")).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => world.Frankfurt.State.Get("acme").MaxAge is null, TimeSpan.FromSeconds(20), "tenant removed");
    }
}
