using System.Buffers.Binary;
using EdgeImages.Telemetry.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeImages.Monitoring.Tests.Dashboard;

/// <summary>
/// The operator dashboard as the control plane will serve it (<see cref="DashboardEndpoints.MapEdgeImagesDashboard"/>
/// on real Kestrel), with a fake state that changes while the page is open, in headless Chromium.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Width = 1280;
    private const int Height = 960;

    private readonly FakeControlPlane _state = new();
    private WebApplication _app = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _app = builder.Build();
        _app.MapEdgeImagesDashboard((_, _) => Task.FromResult(_state.Next()));
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Dashboard_StateChangesThenFails_ShowsTopologyLiveThenStaleAndTakesScreenshot()
    {
        await using var browser = await HeadlessChromium.StartAsync(Width, Height);
        await browser.NavigateAsync(new Uri(_address, "/dashboard"));

        // First picture: two regions, fra1 healthy and taking traffic.
        await browser.WaitForAsync("document.querySelector('[data-testid=pop-fra1].healthy')", "fra1 healthy");
        Assert.Equal("120.0/s", await browser.TextOfAsync("traffic-fra1"));
        Assert.Equal("93.5%", await browser.TextOfAsync("hit-fra1"));
        Assert.Contains("Europe (eu)", await browser.TextOfAsync("region-eu"), StringComparison.Ordinal);
        Assert.Contains("North America (na)", await browser.TextOfAsync("region-na"), StringComparison.Ordinal);
        Assert.Contains("fra1-a: healthy, config v42", await browser.TextOfAsync("edge-fra1-a"), StringComparison.Ordinal);
        Assert.StartsWith("Live · config v42", await browser.TextOfAsync("status"), StringComparison.Ordinal);
        Assert.Contains("acme/photos/", await browser.TextOfAsync("purge-p-1"), StringComparison.Ordinal);
        Assert.Contains("pending", await browser.TextOfAsync("purge-p-2"), StringComparison.Ordinal);
        Assert.Contains("in 3 d", await browser.TextOfAsync("key-k-old"), StringComparison.Ordinal);
        Assert.Equal("soon", (await browser.EvaluateAsync("document.querySelector('[data-testid=key-k-old] td:last-child').className"))!.GetValue<string>());
        // A tenant name is data: shown as text, never parsed as HTML.
        Assert.Contains("<img src=x onerror=alert(1)>", await browser.TextOfAsync("purge-p-3"), StringComparison.Ordinal);
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('#purges img').length"))!.GetValue<int>());

        // Refreshing live: the control plane now reports fra1 down and routed to ams1, without a reload.
        _state.FraDown = true;
        await browser.WaitForAsync("document.querySelector('[data-testid=pop-fra1].down')", "fra1 down", TimeSpan.FromSeconds(10));
        Assert.Contains("out → ams1", await browser.TextOfAsync("routing-fra1"), StringComparison.Ordinal);
        Assert.Contains("down", await browser.TextOfAsync("region-eu"), StringComparison.Ordinal);

        var png = await browser.ScreenshotAsync();
        var file = Path.Combine(AppContext.BaseDirectory, "screenshots", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, png);
        output.WriteLine($"Screenshot: {file}");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.True(png.Length > 20_000, $"A {png.Length}-byte screenshot is too small to hold the rendered dashboard.");

        // The control plane stops answering: the last picture stays, marked as not updating.
        _state.Failing = true;
        await browser.WaitForAsync("document.querySelector('[data-testid=status].stale')", "the stale banner", TimeSpan.FromSeconds(10));
        Assert.StartsWith("Not updating since", await browser.TextOfAsync("status"), StringComparison.Ordinal);
        Assert.NotNull(await browser.EvaluateAsync("document.querySelector('[data-testid=pop-fra1]') && true"));
    }

    [Fact]
    public async Task DashboardFiles_Served_WithContentSecurityPolicyAndNoStoreState()
    {
        using var client = new HttpClient { BaseAddress = _address };

        using var page = await client.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        using var script = await client.GetAsync(new Uri("/dashboard/app.js", UriKind.Relative));
        using var state = await client.GetAsync(new Uri(DashboardEndpoints.StatePath, UriKind.Relative));
        using var missing = await client.GetAsync(new Uri("/dashboard/secrets.json", UriKind.Relative));

        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        Assert.Equal("application/json", state.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", state.Headers.CacheControl!.ToString());
        Assert.Contains("\"regions\":[{\"id\":\"eu\"", await state.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }


    /// <summary>What a control plane would report: two regions, three PoPs, purges and keys; fra1 can be made to fail.</summary>
    private sealed class FakeControlPlane
    {
        private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

        public volatile bool FraDown;
        public volatile bool Failing;

        public DashboardState Next()
        {
            if (Failing)
            {
                throw new InvalidOperationException("The control plane lost its etcd.");
            }

            var fra = FraDown
                ? new PopState("fra1", "Frankfurt", "Down", "out", "ams1", 0, null, null,
                    [new EdgeState("fra1-a", "Unhealthy", 41, 900), new EdgeState("fra1-b", "Unhealthy", 41, 900)])
                : new PopState("fra1", "Frankfurt", "Healthy", "active", null, 120, 0.935, 0.001,
                    [new EdgeState("fra1-a", "Healthy", 42, 12), new EdgeState("fra1-b", "Healthy", 42, 12)]);
            return new DashboardState(
                Now,
                42,
                [
                    new RegionState("eu", "Europe", [fra, new PopState("ams1", "Amsterdam", "Degraded", "active", null, 80.5, 0.71, 0.02, [new EdgeState("ams1-a", "Degraded", 42, 15)])]),
                    new RegionState("na", "North America", [new PopState("iad1", "Ashburn", "Healthy", "active", null, 310.2, 0.962, 0, [new EdgeState("iad1-a", "Healthy", 42, 9)])]),
                ],
                [
                    new PurgeState("p-1", "acme", "acme/photos/", Now.AddMinutes(-3), 3, 3, 0.42),
                    new PurgeState("p-2", "acme", "acme/logo.png", Now.AddSeconds(-20), 2, 3, null),
                    new PurgeState("p-3", "<img src=x onerror=alert(1)>", "evil", Now.AddMinutes(-1), 3, 3, 0.3),
                ],
                [
                    new KeyState("k-new", "signing", null, "active", Now.AddDays(90)),
                    new KeyState("k-old", "signing", null, "verify-only", Now.AddDays(3)),
                    new KeyState("ak_7f3a", "api", "acme", "active", null),
                ]);
        }
    }
}
