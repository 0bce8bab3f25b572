using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Tests.RateLimiting;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>
/// The region's Redis as the deployed topology runs it (TLS only, the default user off, an ACL user per region), with a
/// real redis-server: the edges' L2 tier and regional quotas work through it, and nobody else gets in.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RedisTransportSecurityTests : IAsyncLifetime, IDisposable
{
    private const string Region = "us-east";

    private readonly TestPki _pki = new();
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartSecureAsync(_pki, [Region, "eu-west"]);

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task SecureRedis_TwoEdgesOfRegion_ShareVariantsOverTls()
    {
        var settings = Settings();
        await using var edgeA = await EdgeServer.StartAsync(settings);
        await using var edgeB = await EdgeServer.StartAsync(settings);
        foreach (var edge in new[] { edgeA, edgeB })
        {
            edge.WithOriginal("tiny.png", "tiny-2x3.png");
            await RedisTierTests.WaitForRedisReadyAsync(edge);
        }

        using var miss = await edgeA.GetAsync("w:2,f:png", "tiny.png");
        await Eventually.WaitAsync(
            async () => await _redis.CommandAsync(CancellationToken.None, "KEYS", "edge:*w:2*") != "*0",
            TimeSpan.FromSeconds(5), "the variant in Redis", TimeSpan.FromMilliseconds(50));
        using var fromRedis = await edgeB.GetAsync("w:2,f:png", "tiny.png");

        Assert.Equal("MISS", UrlContractTests.Header(miss, "X-Cache"));
        Assert.Equal("HIT-REDIS", UrlContractTests.Header(fromRedis, "X-Cache"));
    }

    [Fact]
    public async Task SecureRedis_TwoEdgesOfRegion_ShareOneTenantQuota()
    {
        var onB = await SharedTenantQuota.SpendOnOneEdgeThenAskTheOtherAsync(Settings(), "a.png");

        // B's own bucket is full; only the region's bucket, in the TLS Redis under the region's user, can refuse it.
        Assert.True(onB.Count(s => s == HttpStatusCode.TooManyRequests) >= 2, string.Join(",", onB));
    }

    [Fact]
    public async Task SecureRedis_PlaintextConnection_GetsNoAnswer()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_redis.Host, _redis.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n"));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[256];
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, guard.Token);
        }
        catch (IOException)
        {
            read = 0; // reset by the server
        }

        // The port speaks TLS alone: plaintext RESP is a failed handshake, closed without a reply.
        Assert.DoesNotContain("PONG", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecureRedis_ClientWithoutRegionCredentials_CannotReadTheCache()
    {
        await _redis.CommandAsync(CancellationToken.None, "SET", "edge:variant", "bytes");

        var anonymous = await _redis.CommandAsAsync(null, null, CancellationToken.None, "GET", "edge:variant");
        var wrongPassword = await _redis.CommandAsAsync(RedisServer.RegionUser(Region), "guess", CancellationToken.None, "GET", "edge:variant");
        var defaultUser = await _redis.CommandAsAsync("default", "", CancellationToken.None, "GET", "edge:variant");
        var region = await _redis.CommandAsAsync(RedisServer.RegionUser(Region), _redis.PasswordOf(RedisServer.RegionUser(Region)), CancellationToken.None, "GET", "edge:variant");

        Assert.StartsWith("-NOAUTH", anonymous, StringComparison.Ordinal);
        Assert.StartsWith("-WRONGPASS", wrongPassword, StringComparison.Ordinal);
        Assert.StartsWith("-WRONGPASS", defaultUser, StringComparison.Ordinal);
        Assert.Equal("$5", region);
    }

    [Fact]
    public async Task SecureRedis_RegionUser_ReachesEdgeKeysAlone_AndNothingAdministrative()
    {
        await _redis.CommandAsync(CancellationToken.None, "SET", "other:secret", "x");
        var user = RedisServer.RegionUser(Region);
        var password = _redis.PasswordOf(user);

        var outside = await _redis.CommandAsAsync(user, password, CancellationToken.None, "GET", "other:secret");
        var keys = await _redis.CommandAsAsync(user, password, CancellationToken.None, "KEYS", "*");
        var flush = await _redis.CommandAsAsync(user, password, CancellationToken.None, "FLUSHALL");
        var config = await _redis.CommandAsAsync(user, password, CancellationToken.None, "CONFIG", "SET", "requirepass", "x");
        var acl = await _redis.CommandAsAsync(user, password, CancellationToken.None, "ACL", "SETUSER", "default", "on", "nopass", "+@all", "~*");

        Assert.All(new[] { outside, keys, flush, config, acl }, reply => Assert.StartsWith("-NOPERM", reply, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecureRedis_AnotherRegionsCredentials_RefusedByThisRegionsRedis()
    {
        await using var euWestOnly = await RedisServer.StartSecureAsync(_pki, ["eu-west"]);
        var usEast = RedisServer.RegionUser(Region);

        var reply = await euWestOnly.CommandAsAsync(usEast, _redis.PasswordOf(usEast), CancellationToken.None, "GET", "edge:x");

        Assert.StartsWith("-WRONGPASS", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecureRedis_RightCaAndCredentials_Connect()
    {
        using var connection = new RedisConnection(Options.Create(Bind(Settings())));

        await connection.Multiplexer;

        Assert.True(connection.IsConnected);
    }

    [Fact]
    public async Task SecureRedis_ServerCertificateFromAnotherCa_EdgeRefusesIt()
    {
        var settings = Settings();
        settings["Caching:RedisCaFile"] = _pki.Stranger.WriteCertificate(Path.Combine(_pki.Directory, "stranger-ca.crt"));
        using var connection = new RedisConnection(Options.Create(Bind(settings)));

        // The client gives up its first attempt after its connect timeout and keeps retrying in the background.
        await connection.Multiplexer;

        Assert.False(connection.IsConnected);
    }

    [Fact]
    public async Task SecureRedis_AnotherRegionsUserOnThisRegionsEdge_DoesNotConnect()
    {
        await using var euWestOnly = await RedisServer.StartSecureAsync(_pki, ["eu-west"]);
        var settings = Settings();
        settings["Caching:Redis"] = euWestOnly.Configuration;
        using var connection = new RedisConnection(Options.Create(Bind(settings)));

        await connection.Multiplexer;

        Assert.False(connection.IsConnected);
    }

    [Fact]
    public void Validator_RedisBeyondLoopbackWithoutTlsOrUser_Refused()
    {
        var result = new CacheOptionsValidator().Validate(null, new CacheOptions { Redis = "redis.example:6379" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Caching:RedisCaFile", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Caching:RedisUser", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_PasswordInConfigurationString_Refused()
    {
        var result = new CacheOptionsValidator().Validate(null, new CacheOptions { Redis = "127.0.0.1:6379,password=hunter2" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("must not carry the password", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_PasswordFileReadableByOthers_Refused()
    {
        var file = Path.Combine(_pki.Directory, "redis-password");
        File.WriteAllText(file, "secret");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var result = new CacheOptionsValidator().Validate(null, new CacheOptions { Redis = "127.0.0.1:6379", RedisUser = "edge-x", RedisPasswordFile = file });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("readable by others", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecureRedis_PasswordFromA0600File_Connects()
    {
        var settings = Settings();
        var file = Path.Combine(_pki.Directory, "redis-password");
        File.WriteAllText(file, "");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(file, settings["Caching:RedisPassword"] + "\n");
        settings.Remove("Caching:RedisPassword");
        settings["Caching:RedisPasswordFile"] = file;
        var options = Bind(settings);
        Assert.True(new CacheOptionsValidator().Validate(null, options).Succeeded);
        using var connection = new RedisConnection(Options.Create(options));

        await connection.Multiplexer;

        Assert.True(connection.IsConnected);
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = _redis.EdgeSettings(Region);
        // Generous: a TLS handshake and a first script load on a busy machine may pass the 50 ms production budget.
        settings["Caching:RedisBudget"] = "00:00:02";
        return settings;
    }

    private static CacheOptions Bind(Dictionary<string, string?> settings) => new()
    {
        Redis = settings["Caching:Redis"],
        RedisCaFile = settings["Caching:RedisCaFile"],
        RedisUser = settings["Caching:RedisUser"],
        RedisPassword = settings.GetValueOrDefault("Caching:RedisPassword"),
        RedisPasswordFile = settings.GetValueOrDefault("Caching:RedisPasswordFile"),
    };
}
