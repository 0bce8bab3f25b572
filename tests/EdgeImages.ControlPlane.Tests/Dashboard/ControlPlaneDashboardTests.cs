using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.ControlPlane.Tests.Keys;
using EdgeImages.Monitoring.Tests.Dashboard;
using EdgeImages.Testing;
using Xunit.Abstractions;

namespace EdgeImages.ControlPlane.Tests.Dashboard;

/// <summary>
/// The operator dashboard served by a real control-plane replica over a real three-member etcd, with two real edges
/// in two regions, in headless Chromium; and the control plane's own telemetry endpoints.
/// </summary>
[Collection(ScrapedMetrics.Name)]
public sealed class ControlPlaneDashboardTests(Deployment world, ITestOutputHelper output) : IClassFixture<Deployment>
{
    private const int Width = 1280;
    private const int Height = 960;

    [Fact]
    public async Task Dashboard_RealControlPlaneAndEdges_ShowsRegionsHealthHitRatioPurgeAndKeys()
    {
        var admin = world.ControlPlane.Client;
        await KeyRotationTests.CreateKeyAsync(admin, "dash-new");
        (await admin.PostAsync("/v1/keys/dash-new/activate", null)).EnsureSuccessStatusCode();
        await KeyRotationTests.CreateKeyAsync(admin, "dash-old");
        (await admin.PostAsJsonAsync("/v1/keys/dash-old/retire", new { afterSeconds = 86400 })).EnsureSuccessStatusCode();
        // One miss then hits at Frankfurt.
        for (var i = 0; i < 4; i++)
        {
            using var image = await world.Frankfurt.GetStaticAsync("w:97", "photos/cat.jpg");
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        }

        await using var browser = await HeadlessChromium.StartAsync(Width, Height);
        // The state needs a platform read key: sign in through the form, which leaves an HTTP-only cookie.
        var reader = await world.ControlPlane.CreateApiKeyAsync("dashboard-viewer", "read");
        await browser.NavigateAsync(new Uri(world.ControlPlane.Address, "/dashboard/sign-in"));
        await browser.WaitForAsync("location.pathname === '/dashboard/sign-in' && document.querySelector('input[name=key]') !== null", "the sign-in form");
        await browser.EvaluateAsync($"document.querySelector('input[name=key]').value = '{reader}'; document.querySelector('form').submit(); true");
        await browser.WaitForAsync("location.pathname === '/dashboard/'", "signed in and sent to the dashboard");
        await browser.NavigateAsync(new Uri(world.ControlPlane.Address, "/dashboard/?refresh=500"));

        await browser.WaitForAsync("document.querySelector('[data-testid=pop-fra].healthy') && document.querySelector('[data-testid=pop-iad].healthy')", "both PoPs healthy");
        Assert.Contains("Europe West (eu-west)", await browser.TextOfAsync("region-eu-west"), StringComparison.Ordinal);
        Assert.Contains("US East (us-east)", await browser.TextOfAsync("region-us-east"), StringComparison.Ordinal);
        Assert.Contains("fra-1: healthy", await browser.TextOfAsync("edge-fra-1"), StringComparison.Ordinal);
        Assert.Contains("iad-1: healthy", await browser.TextOfAsync("edge-iad-1"), StringComparison.Ordinal);
        Assert.Contains("active", await browser.TextOfAsync("routing-fra"), StringComparison.Ordinal);
        Assert.Contains("fra → iad", await browser.TextOfAsync("route-eu-west"), StringComparison.Ordinal);
        Assert.Contains("iad → fra", await browser.TextOfAsync("route-us-east"), StringComparison.Ordinal);
        Assert.StartsWith("Live · config v", await browser.TextOfAsync("status"), StringComparison.Ordinal);

        // Hit ratio from the edge's own counters, scraped by the control plane.
        await browser.WaitForAsync("/^[1-9][0-9.]*%$/.test(document.querySelector('[data-testid=hit-fra]')?.innerText ?? '')", "a hit ratio at fra");

        // Keys: states and expiry, never a secret.
        Assert.Contains("active", await browser.TextOfAsync("key-dash-new"), StringComparison.Ordinal);
        var old = await browser.TextOfAsync("key-dash-old");
        Assert.Contains("verify-only", old, StringComparison.Ordinal);
        Assert.Contains("in 24 h", old, StringComparison.Ordinal);

        // A purge appears, then is applied at both PoPs.
        using var purge = await admin.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = "photos/cat.jpg" });
        Assert.Equal(HttpStatusCode.Accepted, purge.StatusCode);
        var id = (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await browser.WaitForAsync($"(document.querySelector('[data-testid=purge-{id}]')?.innerText ?? '').includes('2/2')", "the purge applied at 2/2 PoPs");
        Assert.Contains("acme/photos/cat.jpg", await browser.TextOfAsync($"purge-{id}"), StringComparison.Ordinal);

        var png = await browser.ScreenshotAsync();
        var file = Path.Combine(AppContext.BaseDirectory, "screenshots", "control-plane-dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, png);
        output.WriteLine($"Screenshot: {file}");
        Assert.True(png.Length > 20_000, $"A {png.Length}-byte screenshot is too small to hold the rendered dashboard.");

        // Nothing secret reached the page.
        var page = (await browser.EvaluateAsync("document.body.innerText"))!.GetValue<string>();
        Assert.DoesNotContain(ControlPlaneServer.BootstrapKey, page, StringComparison.Ordinal);
        Assert.DoesNotContain(reader, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControlPlaneTelemetry_EtcdUp_ReadyJsonDependencyUpAndKeyExpiry()
    {
        var admin = world.ControlPlane.Client;
        await KeyRotationTests.CreateKeyAsync(admin, "expiry-k");
        (await admin.PostAsJsonAsync("/v1/keys/expiry-k/retire", new { afterSeconds = 3600 })).EnsureSuccessStatusCode();
        using var anonymous = world.ControlPlane.Authorized(null);

        using var live = await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var ready = await anonymous.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var checks = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("etcd").GetProperty("status").GetString());

        IReadOnlyList<PrometheusSample> samples = [];
        await Eventually.WaitAsync(async () =>
        {
            samples = PrometheusText.Parse(await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            return samples.Any(s => s.Name == "edgeimages_dependency_up" && s.Has(("dependency", "etcd")))
                && samples.Any(s => s.Name == "edgeimages_key_expiry_timestamp_seconds" && s.Has(("key_id", "expiry-k")));
        }, TimeSpan.FromSeconds(10), "etcd up and the key's expiry on /metrics", TimeSpan.FromMilliseconds(200));

        Assert.Equal(1, samples.Single(s => s.Name == "edgeimages_dependency_up" && s.Has(("dependency", "etcd"))).Value);
        var expiry = samples.Single(s => s.Name == "edgeimages_key_expiry_timestamp_seconds" && s.Has(("key_id", "expiry-k")));
        Assert.True(expiry.Has(("kind", "signing"), ("tenant", "")));
        Assert.InRange(expiry.Value, DateTimeOffset.UtcNow.AddSeconds(3500).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddSeconds(3700).ToUnixTimeSeconds());
    }
}
