using System.Net;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Testing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace EdgeImages.Edge.Tests.Origin;

/// <summary>
/// One real origin cluster (PostgreSQL and two origin processes) shared by the test classes of its collection, which run
/// one after another: a cluster per class, started in parallel on a small machine, made origin start-up time out.
/// </summary>
public sealed class OriginClusterCollectionFixture : IAsyncLifetime
{
    internal OriginClusterFixture Origin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Origin = await OriginClusterFixture.StartAsync();
        try
        {
            await Origin.PutAsync("photos/flower.jpg", "photo-flower-3mp-baseline.jpg");
            await Origin.PutAsync("photos/tiny.png", "tiny-2x3.png");
        }
        catch
        {
            await Origin.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync() => await Origin.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedOriginCluster : ICollectionFixture<OriginClusterCollectionFixture>
{
    public const string Name = "Shared origin cluster";
}

/// <summary>
/// The edge in front of real origin nodes whose sockets misbehave: each node sits behind a <see cref="FaultyTcpProxy"/>
/// that refuses, resets, hangs, throttles or truncates. Every failure must end as a classified answer (502/504
/// problem+json, never 500), the node marked unhealthy, and a stale copy served where the edge holds one.
/// </summary>
[Collection(SharedOriginCluster.Name)]
public sealed class OriginFaultTests(OriginClusterCollectionFixture cluster) : IAsyncLifetime
{
    private readonly OriginClusterFixture _origin = cluster.Origin;
    private FaultyTcpProxy _proxyA = null!;
    private FaultyTcpProxy _proxyB = null!;

    public Task InitializeAsync()
    {
        _proxyA = FaultyTcpProxy.Start(_origin.NodeA.Address);
        _proxyB = FaultyTcpProxy.Start(_origin.NodeB.Address);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_proxyA is not null)
        {
            await _proxyA.DisposeAsync();
        }

        if (_proxyB is not null)
        {
            await _proxyB.DisposeAsync();
        }
    }

    /// <summary>Both nodes behind the proxies; every variant of acme stale at once, and no background refresh.</summary>
    private Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = _origin.EdgeSettings(
            ("Origin:Destinations:a", _proxyA.Address.ToString()),
            ("Origin:Destinations:b", _proxyB.Address.ToString()),
            ("Origin:TryTimeout", "00:00:01"),
            ("Tenants:acme:MaxAge", "00:00:00.001"),
            ("Tenants:acme:StaleWhileRevalidate", "00:00:00"));
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private void SetFault(ProxyFault fault)
    {
        _proxyA.SetFault(fault);
        _proxyB.SetFault(fault);
    }

    [Theory]
    [InlineData(ProxyFault.Refuse, HttpStatusCode.BadGateway)]
    [InlineData(ProxyFault.Reset, HttpStatusCode.BadGateway)]
    [InlineData(ProxyFault.Truncate, HttpStatusCode.BadGateway)]
    [InlineData(ProxyFault.Hang, HttpStatusCode.GatewayTimeout)]
    // About 50 KB/s: the 550 KB original would take ten times the attempt's second.
    [InlineData(ProxyFault.Throttle, HttpStatusCode.GatewayTimeout)]
    public async Task EveryNodeMisbehaves_ColdKeyIsClassifiedProblem_NodesUnhealthy_WarmKeyServedStale(ProxyFault fault, HttpStatusCode expected)
    {
        await using var edge = await EdgeServer.StartAsync(Settings());
        using var warm = await edge.GetAsync("w:90,f:jpeg", "photos/flower.jpg");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        SetFault(fault);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var cold = await SendAsync(edge, "w:91,f:jpeg", "photos/flower.jpg", guard.Token);
        using var stale = await SendAsync(edge, "w:90,f:jpeg", "photos/flower.jpg", guard.Token);

        await UrlContractTests.AssertProblemAsync(cold, expected);
        Assert.All(Destinations(edge), destination => Assert.Equal(DestinationHealth.Unhealthy, destination.Health.Passive));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("STALE", UrlContractTests.Header(stale, "X-Cache"));
        Assert.Equal(await warm.Content.ReadAsByteArrayAsync(), await stale.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task OneNodeTruncatesMidBody_RetriedOnTheOther_200AndOnlyThatNodeUnhealthy()
    {
        await using var edge = await EdgeServer.StartAsync(Settings(("Origin:LoadBalancingPolicy", "RoundRobin")));
        _proxyA.SetFault(ProxyFault.Truncate);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await edge.GetAsync($"w:{60 + i},f:jpeg", "photos/flower.jpg");
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(DestinationHealth.Unhealthy, Destinations(edge).Single(d => d.DestinationId == "a").Health.Passive);
        Assert.NotEqual(DestinationHealth.Unhealthy, Destinations(edge).Single(d => d.DestinationId == "b").Health.Passive);
    }

    [Fact]
    public async Task OriginThrottledButAlive_Answers200()
    {
        await using var edge = await EdgeServer.StartAsync(Settings());
        _proxyA.ThrottleChunkBytes = _proxyB.ThrottleChunkBytes = 64;
        _proxyA.ThrottleDelay = _proxyB.ThrottleDelay = TimeSpan.FromMilliseconds(10);
        SetFault(ProxyFault.Throttle);

        using var response = await edge.GetAsync("w:2,f:png", "photos/tiny.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((2, 3), Images.SizeOf(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task OriginThrottledPastTheAttemptTimeout_504_NotA500()
    {
        await using var edge = await EdgeServer.StartAsync(Settings(("Origin:TryTimeout", "00:00:00.300")));
        _proxyA.ThrottleChunkBytes = _proxyB.ThrottleChunkBytes = 512;
        _proxyA.ThrottleDelay = _proxyB.ThrottleDelay = TimeSpan.FromMilliseconds(100);
        SetFault(ProxyFault.Throttle);

        using var response = await edge.GetAsync("w:70,f:jpeg", "photos/flower.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task OriginalOverTheByteLimit_413_NoNodeBlamed()
    {
        await using var edge = await EdgeServer.StartAsync(Settings(("Transforms:MaxSourceBytes", "4096")));

        using var response = await edge.GetAsync("w:80,f:jpeg", "photos/flower.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.All(Destinations(edge), destination => Assert.NotEqual(DestinationHealth.Unhealthy, destination.Health.Passive));
    }

    [Fact]
    public async Task HalfOpenProbeFailsMidBody_BreakerStillClosesOnceTheOriginHeals()
    {
        await using var edge = await EdgeServer.StartAsync(Settings(
            ("Origin:BreakAfterFailures", "2"), ("Origin:BreakFor", "00:00:00.500"), ("Origin:Retries", "0")));
        SetFault(ProxyFault.Truncate);
        for (var i = 0; i < 3; i++)
        {
            using var failed = await edge.GetAsync($"w:{100 + i},f:jpeg", "photos/flower.jpg");
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        // The breaker is open; its half-open probes meet the same truncation (the failure that used to leave it
        // half-open for good) until the origin heals.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var truncatedProbes = 0;
        while (truncatedProbes < 2)
        {
            var before = FetchesSeen();
            using var probe = await SendAsync(edge, $"w:{110 + truncatedProbes},f:jpeg", "photos/flower.jpg", guard.Token);
            Assert.Equal(HttpStatusCode.BadGateway, probe.StatusCode);
            truncatedProbes += FetchesSeen() > before ? 1 : 0;
            await Task.Delay(100, guard.Token);
        }

        SetFault(ProxyFault.None);
        HttpStatusCode status;
        do
        {
            await Task.Delay(100, guard.Token);
            using var healed = await SendAsync(edge, "w:120,f:jpeg", "photos/flower.jpg", guard.Token);
            status = healed.StatusCode;
        }
        while (status != HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task OriginUnavailableWithRetryAfter_503PassedOn_StaleServed_NoNodeBlamed_BreakerStaysClosed()
    {
        // The origin answers 503 once its database command times out (5 s): attempts must outlast that.
        await using var edge = await EdgeServer.StartAsync(Settings(
            ("Origin:BreakAfterFailures", "2"), ("Origin:TryTimeout", "00:00:15"), ("Originals:FetchTimeout", "00:00:40")));
        using var warm = await edge.GetAsync("w:85,f:jpeg", "photos/flower.jpg");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        _origin.Database.Pause();
        var cold = new List<(HttpStatusCode Status, TimeSpan? RetryAfter)>();
        HttpResponseMessage? stale;
        try
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            for (var i = 0; i < 3; i++)
            {
                using var response = await SendAsync(edge, $"w:{130 + i},f:jpeg", "photos/flower.jpg", guard.Token);
                await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
                cold.Add((response.StatusCode, response.Headers.RetryAfter?.Delta));
            }

            stale = await SendAsync(edge, "w:85,f:jpeg", "photos/flower.jpg", guard.Token);
        }
        finally
        {
            _origin.Database.Resume();
        }

        using (stale)
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("STALE", UrlContractTests.Header(stale, "X-Cache"));
        }

        Assert.All(cold, answer => Assert.NotNull(answer.RetryAfter));
        Assert.All(Destinations(edge), destination => Assert.NotEqual(DestinationHealth.Unhealthy, destination.Health.Passive));
        // Three "unavailable" answers did not open the breaker (two failures would have): the next fetch goes through.
        using var after = await edge.GetAsync("w:140,f:jpeg", "photos/flower.jpg");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task ActiveProbes_HealthyNodeReadsHealthy_StoppedNodeUnhealthy_ReadyzSaysSo()
    {
        await using var edge = await EdgeServer.StartAsync(Settings(
            ("Origin:HealthCheckInterval", "00:00:00.200"), ("Origin:TryTimeout", "00:00:00.500")));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Eventually(() => Destinations(edge).All(d => d.Health.Active == DestinationHealth.Healthy), guard.Token);

        // Probe rounds are counted at the healthy node's proxy: every round probes both nodes and applies the results together.
        var roundsBefore = _proxyA.RequestsContaining("/healthz");
        _proxyB.SetFault(ProxyFault.Refuse);
        await Eventually(() => Destination(edge, "b").Health.Active == DestinationHealth.Unhealthy, guard.Token);
        var rounds = _proxyA.RequestsContaining("/healthz") - roundsBefore;

        Assert.Equal(DestinationHealth.Healthy, Destination(edge, "a").Health.Active);
        // Two failed probes make a node unhealthy: two rounds, plus one in flight at the switch and one before the poll saw it.
        Assert.InRange(rounds, 2, 4);
        var readiness = await edge.Client.GetStringAsync(new Uri("/readyz", UriKind.Relative), guard.Token);
        Assert.Contains("1 of 2 origin nodes reachable.", readiness, StringComparison.Ordinal);
    }

    /// <summary>Fetches of the flower that reached either proxy (health probes excluded).</summary>
    private int FetchesSeen() => _proxyA.RequestsContaining("/v1/acme/photos/flower.jpg") + _proxyB.RequestsContaining("/v1/acme/photos/flower.jpg");

    private static async Task Eventually(Func<bool> condition, CancellationToken hangGuard)
    {
        while (!condition())
        {
            await Task.Delay(50, hangGuard);
        }
    }

    private static Task<HttpResponseMessage> SendAsync(EdgeServer edge, string options, string path, CancellationToken cancellationToken) =>
        edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url(options, path))), cancellationToken);

    private static IReadOnlyList<DestinationState> Destinations(EdgeServer edge)
    {
        Assert.True(edge.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("origin", out var cluster));
        return cluster.DestinationsState.AllDestinations;
    }

    private static DestinationState Destination(EdgeServer edge, string id) => Destinations(edge).Single(d => d.DestinationId == id);
}
