using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;

namespace EdgeImages.Edge.Tests.Tenants;

public sealed class TenantSettingsTests
{
    [Fact]
    public async Task TenantMaxAge_SetsCacheControl_OtherTenantsKeepTheDefault()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Tenants:acme:MaxAge"] = "00:05:00",
        });
        edge.WithOriginal("a.png", "tiny-2x3.png");
        var other = Path.Combine(edge.OriginalsFolder, "other");
        Directory.CreateDirectory(other);
        File.Copy(TestImages.PathOf("tiny-2x3.png"), Path.Combine(other, "a.png"));

        using var acme = await edge.GetAsync("w:2", "a.png");
        using var otherTenant = await edge.Client.GetAsync(edge.Url("w:2", "a.png", "other", edge.PlatformKey));

        Assert.Equal(TimeSpan.FromMinutes(5), acme.Headers.CacheControl!.MaxAge);
        Assert.Equal(TimeSpan.FromHours(1), otherTenant.Headers.CacheControl!.MaxAge);
    }

    [Fact]
    public async Task AllowedOptions_OtherOptionRefused400_AllowedServed()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Tenants:acme:AllowedOptions"] = "w,h,f",
        });
        edge.WithOriginal("a.png", "tiny-2x3.png");

        using var allowed = await edge.GetAsync("w:2,f:png", "a.png");
        using var refused = await edge.GetAsync("w:2,blur:3", "a.png");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        await UrlContractTests.AssertProblemAsync(refused, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TenantPreset_WinsOverSharedPresetOfTheSameName()
    {
        await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Presets:thumb"] = "w:20,f:png",
            ["Tenants:acme:Presets:thumb"] = "w:10,f:png",
        });
        edge.WithOriginal("flower.jpg", "photo-flower-3mp-baseline.jpg");

        using var response = await edge.GetAsync("p:thumb", "flower.jpg");

        Assert.Equal(10, Images.SizeOf(await response.Content.ReadAsByteArrayAsync()).Width);
    }
}
