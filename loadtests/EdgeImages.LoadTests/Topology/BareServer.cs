using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeImages.LoadTests.Topology;

/// <summary>
/// The yardstick: bare Kestrel on loopback answering <c>GET /bare</c> with the same bytes and the same kind of
/// headers as the edge's L1 hit, and nothing else in the way. It also serves <c>GET /stats</c>, the edges'
/// memory, which the scenarios sample once a second.
/// </summary>
internal sealed class BareServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<BareServer> StartAsync(byte[] body, string contentType, string etag, Func<object> stats)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/bare", (HttpContext context) =>
        {
            var headers = context.Response.Headers;
            headers.ContentType = contentType;
            headers.ETag = etag;
            headers.CacheControl = "public, max-age=31536000";
            headers.Vary = "Accept";
            headers["X-Cache"] = "HIT-MEMORY";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        app.MapGet("/stats", () => Results.Text(JsonSerializer.Serialize(stats()), "application/json"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new BareServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
