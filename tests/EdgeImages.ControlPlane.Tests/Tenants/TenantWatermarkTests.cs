using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd.Documents;
using EdgeImages.Testing;
using SkiaSharp;

namespace EdgeImages.ControlPlane.Tests.Tenants;

/// <summary>
/// A tenant's watermarks set at the control plane (real etcd, a real control plane, real edges): the admin API holds
/// them to the stored-document rules, audits them, and the edges apply them by watch. A tenant of its own, so that no
/// other test's tenant changes.
/// </summary>
public sealed class TenantWatermarkTests(Deployment world) : IClassFixture<Deployment>
{
    private const string Tenant = "wmco";

    private ControlPlaneServer Server => world.ControlPlane;

    [Fact]
    public async Task TenantKeyPutsWatermarks_StoredAndAudited_EdgesMarkEveryImage_RefuseWmNoneAndDash()
    {
        using var tenantAdmin = Server.Authorized(await CreateAdminKeyAsync("wm-admin", ["tenants", "read"], [Tenant]));
        var secret = await CreateActiveKeyAsync("wm-key", Tenant);
        PlaceOriginals(world.Frankfurt);

        using var put = await tenantAdmin.PutAsJsonAsync($"/v1/tenants/{Tenant}", new
        {
            watermarks = new { logo = new { path = "brand/logo.png", gravity = "se", margin = 0.05, width = 0.25, opacity = 1.0 } },
            defaultWatermark = "logo",
            watermarkRequired = true,
            refusePassThrough = true,
        });

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var stored = await Server.Client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{Tenant}");
        Assert.Equal("brand/logo.png", stored.GetProperty("watermarks").GetProperty("logo").GetProperty("path").GetString());
        Assert.Equal("logo", stored.GetProperty("defaultWatermark").GetString());
        var audit = await Server.Client.GetFromJsonAsync<JsonElement>("/v1/audit?limit=50");
        var entry = audit.EnumerateArray().First(e => e.GetProperty("action").GetString() == "tenant.put" && e.GetProperty("target").GetString() == Tenant);
        Assert.Contains("watermarks [logo], default logo, required, pass-through refused", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The edge applies the document by watch: the default watermark lands in the south-east corner.
        await Eventually.WaitAsync(async () =>
        {
            using var marked = await world.Frankfurt.GetAsync("wm-key", secret, "w:400,f:png", "photo.png", Tenant);
            return marked.StatusCode == HttpStatusCode.OK && IsRed(await marked.Content.ReadAsByteArrayAsync(), 330, 255);
        }, TimeSpan.FromSeconds(20), "the edge marks wmco's images with its default watermark");

        using var none = await world.Frankfurt.GetAsync("wm-key", secret, "w:400,f:png,wm:none", "photo.png", Tenant);
        using var bare = await world.Frankfurt.GetAsync("wm-key", secret, "-", "photo.png", Tenant);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
    }

    [Fact]
    public async Task BadWatermarkSettings_400NamingEveryField_NothingStored()
    {
        using var response = await Server.Client.PutAsJsonAsync($"/v1/tenants/{Tenant}-bad", new
        {
            watermarks = new Dictionary<string, object>
            {
                ["logo"] = new { path = "../secrets.png", gravity = "smart", margin = 0.9, width = 0, opacity = 2 },
                ["none"] = new { path = "brand/none.png" },
            },
            defaultWatermark = "stamp",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        foreach (var field in new[] { "watermarks.logo.path", "watermarks.logo.gravity", "watermarks.logo.margin", "watermarks.logo.width", "watermarks.logo.opacity", "watermarks.none", "defaultWatermark" })
        {
            Assert.Contains(field, detail, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Server.Client.GetAsync($"/v1/tenants/{Tenant}-bad")).StatusCode);
    }

    [Fact]
    public void RequiredWatermark_WithoutADefault_BrokenRule()
    {
        var errors = DocumentRules.Tenant(Tenant, new TenantDocument
        {
            Id = Tenant,
            Watermarks = new Dictionary<string, WatermarkDocument> { ["logo"] = new() { Path = "brand/logo.png" } },
            WatermarkRequired = true,
        });

        Assert.Contains(errors, error => error.Contains("watermarkRequired", StringComparison.Ordinal));
    }

    private static void PlaceOriginals(EdgeNode edge)
    {
        var folder = Path.Combine(edge.Folder, "originals", Tenant);
        Directory.CreateDirectory(Path.Combine(folder, "brand"));
        File.WriteAllBytes(Path.Combine(folder, "photo.png"), SolidPng(400, 300, SKColors.White));
        File.WriteAllBytes(Path.Combine(folder, "brand", "logo.png"), SolidPng(100, 50, SKColors.Red));
    }

    private static byte[] SolidPng(int width, int height, SKColor colour)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(colour);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static bool IsRed(byte[] png, int x, int y)
    {
        using var bitmap = SKBitmap.Decode(png);
        var pixel = bitmap.GetPixel(x, y);
        return pixel.Red > 250 && pixel.Green < 5 && pixel.Blue < 5;
    }

    private async Task<byte[]> CreateActiveKeyAsync(string kid, string tenant)
    {
        using var response = await Server.Client.PostAsJsonAsync("/v1/keys", new { kid, tenants = new[] { tenant } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        (await Server.Client.PostAsync($"/v1/keys/{kid}/activate", null)).EnsureSuccessStatusCode();
        return Convert.FromHexString(created.GetProperty("secret").GetString()!);
    }

    private async Task<string> CreateAdminKeyAsync(string name, string[] scopes, string[] tenants)
    {
        using var response = await Server.Client.PostAsJsonAsync("/v1/admin-keys", new { name, scopes, tenants });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
