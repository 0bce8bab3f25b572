using EdgeImages.Edge.Hosting;
using EdgeImages.Sdk.Signing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Edge.Tests.Infrastructure;

/// <summary>
/// The real edge on real Kestrel at 127.0.0.1 on a free port, built by the same code as production, with an
/// originals folder of its own. Tests talk HTTP to it over a real socket.
/// </summary>
internal sealed class EdgeServer : IAsyncDisposable
{
    public const string KeyId = "k1";
    public const string Tenant = "acme";

    // The spec's test-vector secret: 0x00..0x1f, bound to acme as the spec says tests that serve its vectors do. A
    // published secret is accepted only in the Development environment, so this edge runs as Development.
    public static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    /// <summary>A platform key (every tenant), for tests of other tenants and of checks after the binding.</summary>
    public const string PlatformKeyId = "platform";

    public static readonly byte[] PlatformSecret = Enumerable.Range(64, 32).Select(i => (byte)i).ToArray();

    private readonly WebApplication _app;

    private EdgeServer(WebApplication app, string originals, Uri address)
    {
        _app = app;
        OriginalsFolder = originals;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public string OriginalsFolder { get; }

    public IServiceProvider Services => _app.Services;

    public SigningKey Key { get; } = new(KeyId, Secret, KeyTenants.Of(Tenant), SigningKeyState.Active);

    public SigningKey PlatformKey { get; } = new(PlatformKeyId, PlatformSecret, KeyTenants.AllTenants, SigningKeyState.Active);

    public static async Task<EdgeServer> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var originals = Directory.CreateTempSubdirectory("edge-originals-").FullName;
        Directory.CreateDirectory(Path.Combine(originals, Tenant));

        var configuration = new Dictionary<string, string?>
        {
            ["Signing:Keys:" + KeyId] = Convert.ToHexString(Secret),
            ["Signing:KeyTenants:" + KeyId] = Tenant,
            ["Signing:Keys:old"] = new string('a', 64),
            ["Signing:KeyTenants:old"] = Tenant,
            ["Signing:Keys:" + PlatformKeyId] = Convert.ToHexString(PlatformSecret),
            ["Signing:KeyTenants:" + PlatformKeyId] = KeyTenants.Wildcard,
            ["Signing:ActiveKey"] = KeyId,
            ["Originals:Path"] = originals,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = EdgeApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Development", "--hostBuilder:reloadConfigOnChange=false"], configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        services?.Invoke(builder.Services);

        var app = EdgeApplication.Build(builder);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new EdgeServer(app, originals, new Uri(address));
    }

    /// <summary>Copies a shared test image into the originals as <c>acme/{path}</c>.</summary>
    public EdgeServer WithOriginal(string path, string testImage) =>
        WithOriginal(path, TestImages.Read(testImage));

    public EdgeServer WithOriginal(string path, byte[] content)
    {
        var file = Path.Combine(OriginalsFolder, Tenant, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, content);
        return this;
    }

    /// <summary>A signed request path for options and an already percent-encoded path.</summary>
    /// <param name="key">Signs; default <see cref="Key"/>, which is bound to <see cref="Tenant"/> alone.</param>
    public string Url(string options, string encodedPath, string tenant = Tenant, SigningKey? key = null)
    {
        var message = $"/{options}/{tenant}/{encodedPath}";
        return $"/{UrlSigner.Sign(key ?? Key, message)}{message}";
    }

    public Task<HttpResponseMessage> GetAsync(string options, string encodedPath, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, RawUri(Url(options, encodedPath)));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return Client.SendAsync(request);
    }

    /// <summary>
    /// An absolute URI sent exactly as written: without this, <see cref="Uri"/> would remove <c>..</c>
    /// segments and unescape characters, and the edge would never see the hostile path under test.
    /// </summary>
    public Uri RawUri(string pathAndQuery) =>
        new(Client.BaseAddress!.GetLeftPart(UriPartial.Authority) + pathAndQuery,
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(OriginalsFolder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test for.
        }
    }
}
