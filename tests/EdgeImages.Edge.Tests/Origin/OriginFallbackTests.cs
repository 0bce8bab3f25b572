using System.Net;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Etcd.Purges;
using EdgeImages.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeImages.Edge.Tests.Origin;

/// <summary>
/// The edge in front of a real origin cluster (two origin processes on one PostgreSQL), with nodes and the
/// database killed or paused by the tests while traffic runs.
/// </summary>
public sealed class OriginFallbackTests : IAsyncLifetime
{
    private OriginClusterFixture _origin = null!;
    private string _flowerVersion = "";

    public async Task InitializeAsync()
    {
        _origin = await OriginClusterFixture.StartAsync();
        try
        {
            _flowerVersion = await _origin.PutAsync("photos/flower.jpg", "photo-flower-3mp-baseline.jpg");
            await _origin.PutAsync("photos/tiny.png", "tiny-2x3.png");
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed; the servers must not outlive the test.
            await _origin.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    [Fact]
    public async Task ThroughOrigin_ServesLatestAndPinnedVersions_UnknownVersion404()
    {
        await using var edge = await EdgeServer.StartAsync(_origin.EdgeSettings());

        using var latest = await edge.GetAsync("w:100,f:jpeg", "photos/flower.jpg");
        using var pinned = await edge.GetAsync($"w:100,f:jpeg,v:{_flowerVersion}", "photos/flower.jpg");
        using var unknown = await edge.GetAsync("w:100,f:jpeg,v:01JZZZZZZZZZZZZZZZZZZZZZZZ", "photos/flower.jpg");
        using var missing = await edge.GetAsync("w:100", "photos/none.jpg");

        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        Assert.Equal((100, 67), Images.SizeOf(await latest.Content.ReadAsByteArrayAsync()));
        Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        Assert.True(pinned.Headers.CacheControl!.MaxAge >= TimeSpan.FromDays(365));
        await UrlContractTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound, expectNoStore: false);
        await UrlContractTests.AssertProblemAsync(missing, HttpStatusCode.NotFound, expectNoStore: false);
    }

    [Fact]
    public async Task PassThrough_ComesThroughTheSamePath()
    {
        await using var edge = await EdgeServer.StartAsync(_origin.EdgeSettings());

        using var response = await edge.GetAsync("-", "photos/flower.jpg");

        Assert.Equal(TestImages.Read("photo-flower-3mp-baseline.jpg"), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task TenantBoundToAnotherOrigin_FetchesFromIt_OtherTenantsFromTheDefault()
    {
        // A second origin cluster (its own database), where acme's photo is a different picture: a portrait.
        var otherDatabase = await _origin.Database.CreateDatabaseAsync("other_origin");
        await using var other = await OriginNode.StartAsync(OriginClusterFixture.NodeSettings(otherDatabase));
        await OriginClusterFixture.PutAsync(other, await OriginClusterFixture.CreateTenantKeyAsync(other), "photos/flower.jpg", "photo-portrait-5mp.jpg");
        await using var unbound = await EdgeServer.StartAsync(_origin.EdgeSettings(("Origin:Clusters:eu:node", other.Address.ToString())));
        await using var bound = await EdgeServer.StartAsync(_origin.EdgeSettings(
            ("Origin:Clusters:eu:node", other.Address.ToString()), ("Tenants:acme:Origin", "eu")));

        using var fromDefault = await unbound.GetAsync("w:100,f:jpeg", "photos/flower.jpg");
        using var fromBound = await bound.GetAsync("w:100,f:jpeg", "photos/flower.jpg");

        Assert.Equal((100, 67), Images.SizeOf(await fromDefault.Content.ReadAsByteArrayAsync()));
        Assert.Equal((100, 133), Images.SizeOf(await fromBound.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task OneOfTwoNodesKilledUnderTraffic_NoRequestFails()
    {
        await using var edge = await EdgeServer.StartAsync(_origin.EdgeSettings());
        var failed = new List<string>();

        for (var i = 0; i < 40; i++)
        {
            if (i == 10)
            {
                await _origin.NodeA.KillAsync();
            }

            // A new width each time: every request is a miss that must reach an origin node.
            using var response = await edge.GetAsync($"w:{50 + i},f:png", "photos/tiny.png");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failed.Add($"{i}: {(int)response.StatusCode}");
            }
        }

        Assert.Empty(failed);
    }

    [Fact]
    public async Task EveryNodeDown_WarmKeysServedStale_ColdKeysFailFast()
    {
        // The real clock: the cold key's answer comes from the edge's real retry and timeouts against dead nodes
        // (a fake clock would hold its retry delay forever).
        await using var edge = await EdgeServer.StartAsync(_origin.EdgeSettings(("Caching:MaxAge", "00:00:01")));
        using var warm = await edge.GetAsync("w:90,f:jpeg", "photos/flower.jpg");
        await Task.Delay(TimeSpan.FromMilliseconds(1100)); // past max-age: what is served next is stale

        await _origin.NodeA.KillAsync();
        await _origin.NodeB.KillAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stale = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:90,f:jpeg", "photos/flower.jpg"))), guard.Token);
        using var cold = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:91,f:jpeg", "photos/flower.jpg"))), guard.Token);

        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("STALE", UrlContractTests.Header(stale, "X-Cache"));
        Assert.Equal(await warm.Content.ReadAsByteArrayAsync(), await stale.Content.ReadAsByteArrayAsync());
        Assert.True(cold.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout, $"cold key answered {(int)cold.StatusCode}");
        await UrlContractTests.AssertProblemAsync(cold, cold.StatusCode);
    }

    [Fact]
    public async Task DatabasePaused_OriginAnswers503_EdgeServesStale()
    {
        // The real clock: what is under test is the origin's real answer while its database is paused, within the
        // edge's real timeouts (a fake clock would hold the edge's try timeout forever).
        await using var edge = await EdgeServer.StartAsync(_origin.EdgeSettings(("Caching:MaxAge", "00:00:01")));
        using var warm = await edge.GetAsync("w:80,f:jpeg", "photos/flower.jpg");
        await Task.Delay(TimeSpan.FromMilliseconds(1100)); // past max-age: what is served next is stale

        _origin.Database.Pause();
        try
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var direct = new HttpClient { BaseAddress = _origin.NodeA.Address };
            using var originRequest = new HttpRequestMessage(HttpMethod.Get, "v1/acme/photos/flower.jpg");
            originRequest.Headers.Authorization = new("Bearer", OriginClusterFixture.EdgeCredential);
            using var origin = await direct.SendAsync(originRequest, guard.Token);
            using var stale = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:80,f:jpeg", "photos/flower.jpg"))), guard.Token);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, origin.StatusCode);
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("STALE", UrlContractTests.Header(stale, "X-Cache"));
        }
        finally
        {
            _origin.Database.Resume();
        }
    }

    [Fact]
    public async Task NewVersionAndPurge_UnversionedShowsNew_PinnedNeverChanges()
    {
        await using var edge = await EdgeServer.StartAsync(_origin.EdgeSettings());
        using var before = await edge.GetAsync("w:120,f:png", "photos/flower.jpg");
        using var pinnedBefore = await edge.GetAsync($"w:120,f:png,v:{_flowerVersion}", "photos/flower.jpg");

        await _origin.PutAsync("photos/flower.jpg", "photo-portrait-5mp.jpg");
        // The purge as the edge applies one from the control plane (tests/EdgeImages.ControlPlane.Tests cover the fan-out).
        await edge.Services.GetRequiredService<IVariantCache>().PurgeAsync(PurgeTarget.ForOriginal(EdgeServer.Tenant, "photos/flower.jpg"), CancellationToken.None);
        using var after = await edge.GetAsync("w:120,f:png", "photos/flower.jpg");
        using var pinnedAfter = await edge.GetAsync($"w:120,f:png,v:{_flowerVersion}", "photos/flower.jpg");

        // The new original is a portrait: 120 wide is now taller than wide.
        Assert.Equal((120, 80), Images.SizeOf(await before.Content.ReadAsByteArrayAsync()));
        Assert.Equal((120, 160), Images.SizeOf(await after.Content.ReadAsByteArrayAsync()));
        Assert.Equal(await pinnedBefore.Content.ReadAsByteArrayAsync(), await pinnedAfter.Content.ReadAsByteArrayAsync());
    }
}
