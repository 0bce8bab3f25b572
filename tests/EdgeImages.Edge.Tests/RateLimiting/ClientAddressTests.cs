using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.RateLimiting;

/// <summary>
/// The per-client limit keys on the client address, which comes from <c>X-Forwarded-For</c> only when the peer is a
/// configured proxy. Every test runs on loopback, which ASP.NET Core's own defaults would trust: these check the edge
/// trusts nothing it was not told to.
/// </summary>
public sealed class ClientAddressTests
{
    // Two at once, then one a second: five requests in quick succession from one client cannot all pass.
    private static readonly Dictionary<string, string?> TightClientLimit = new()
    {
        ["RateLimiting:PerClientPerSecond"] = "1",
        ["RateLimiting:PerClientBurst"] = "2",
    };

    [Fact]
    public async Task NoKnownProxy_ClientWritesXForwardedFor_IgnoredAndLimitedAsItsPeer()
    {
        await using var edge = (await EdgeServer.StartAsync(TightClientLimit)).WithOriginal("a.png", "tiny-2x3.png");

        // A client on loopback naming a new address each time, hoping for a fresh bucket each time.
        var statuses = await StatusesAsync(edge, i => $"203.0.113.{i + 1}");

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, s.ToString()));
    }

    [Fact]
    public async Task LoopbackConfiguredAsKnownNetwork_XForwardedForNamesTheClient_EachClientItsOwnBucket()
    {
        var settings = new Dictionary<string, string?>(TightClientLimit) { ["ForwardedHeaders:KnownNetworks:0"] = "127.0.0.0/8" };
        await using var edge = (await EdgeServer.StartAsync(settings)).WithOriginal("a.png", "tiny-2x3.png");

        // The balancer (loopback here) forwards five different clients: each has its own bucket of two.
        var distinctClients = await StatusesAsync(edge, i => $"203.0.113.{i + 1}");
        // Then one client, five times: its bucket runs out as the peer's did above.
        var oneClient = await StatusesAsync(edge, _ => "198.51.100.7");

        Assert.All(distinctClients, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Contains(HttpStatusCode.TooManyRequests, oneClient);
    }

    [Fact]
    public async Task KnownProxy_ClientPrependsAForgedAddress_TheProxysEntryDecides()
    {
        var settings = new Dictionary<string, string?>(TightClientLimit) { ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" };
        await using var edge = (await EdgeServer.StartAsync(settings)).WithOriginal("a.png", "tiny-2x3.png");

        // The client forges a new address each time; the trusted proxy appends the address it really saw, which is
        // not itself a proxy, so the walk stops there and the forged entries to its left are never believed.
        var statuses = await StatusesAsync(edge, i => $"203.0.113.{i + 1}, 198.51.100.7");

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public void Settings_None_TrustNothing_NotEvenLoopback()
    {
        var options = new ForwardedHeadersOptions();
        Assert.NotEmpty(options.KnownIPNetworks); // ASP.NET Core's default: loopback.

        new Edge.RateLimiting.ForwardedHeadersSettings().ApplyTo(options);

        Assert.Empty(options.KnownIPNetworks);
        Assert.Empty(options.KnownProxies);
        Assert.Equal(Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.None, options.ForwardedHeaders);
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.300")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0")]
    public async Task Start_BadForwardedHeadersSetting_FailsNamingTheKey(string key, string value)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            EdgeServer.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    private static async Task<List<HttpStatusCode>> StatusesAsync(EdgeServer edge, Func<int, string> forwardedFor)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:2", "a.png")));
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor(i));
            using var response = await edge.Client.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
