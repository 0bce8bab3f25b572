using System.Net;
using System.Net.Http.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd;
using EdgeImages.Etcd.Documents;
using EdgeImages.Etcd.Purges;
using EdgeImages.Testing;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EdgeImages.ControlPlane.Tests.Purge;

/// <summary>
/// An edge whose watch is down while etcd compacts its history cannot replay purges from it. It must still never
/// serve what a purge it missed would have evicted: it replays the purges still stored, and when some are gone it
/// drops what it holds and raises its region's Redis generation. One edge is cut off from etcd by a TCP relay while
/// the control plane, the other edges and etcd go on.
/// </summary>
public sealed class PurgeGapTests(Deployment world) : IClassFixture<Deployment>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CompactionBetweenTwoPurgesWhileTheWatchIsDown_Reconnected_ReplaysBothAndKeepsTheRest()
    {
        await using var relay = new TcpRelay(new Uri(world.Etcd.Members[0].ClientUrl));
        await using var edge = await EdgeNode.StartAsync(relay.Url, "eu-west", "fra", "fra-gap-1");
        var options = $"w:{Random.Shared.Next(40, 400)}";
        foreach (var path in new[] { "photos/cat.jpg", "photos/dog.jpg", "top.jpg" })
        {
            Assert.Equal("MISS", await CacheStatusAsync(edge, options, path));
        }

        await FollowingAsync(edge);
        relay.Cut();
        await PurgeAsync("photos/cat.jpg");
        // etcd keeps the revision it compacts at: one more write, so that the first missed purge is really gone from history.
        await PurgeAsync("photos/fill.jpg");
        await CompactAsync();
        await PurgeAsync("photos/dog.jpg");
        var replayed = new[] { PurgeWaits.AppliedAsync(edge.Purges, "photos/cat.jpg"), PurgeWaits.AppliedAsync(edge.Purges, "photos/dog.jpg") };
        var forgot = PurgeWaits.ForgotAsync(edge.Purges);
        var replaying = new TaskCompletionSource<PurgeReplay>(TaskCreationOptions.RunContinuationsAsynchronously);
        edge.Purges.Replaying += replay => replaying.TrySetResult(replay);
        relay.Heal();
        await Task.WhenAll(replayed).WaitAsync(HangGuard);

        var replay = await replaying.Task.WaitAsync(HangGuard);

        // It could not resume its watch (the history was compacted), read the log again, and found both purges there.
        Assert.True(replay.Complete);
        Assert.Equal(["photos/cat.jpg", "photos/fill.jpg", "photos/dog.jpg"], replay.Events.Select(e => e.Document.Path));

        Assert.Equal("MISS", await CacheStatusAsync(edge, options, "photos/cat.jpg"));
        Assert.Equal("MISS", await CacheStatusAsync(edge, options, "photos/dog.jpg"));
        // Every purge it missed was still stored: what they did not name is provably clean and stays.
        Assert.Equal("HIT-MEMORY", await CacheStatusAsync(edge, options, "top.jpg"));
        Assert.False(forgot.IsCompleted);
    }

    [Fact]
    public async Task MissedPurgeDeletedAndCompactedWhileTheWatchIsDown_Reconnected_DropsMemoryAndRaisesTheRegionsRedisGeneration()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["Caching:Redis"] = redis.Configuration, ["Caching:RedisBudget"] = "00:00:02" };
        await using var relay = new TcpRelay(new Uri(world.Etcd.Members[0].ClientUrl));
        await using var peer = await EdgeNode.StartAsync(world.Etcd.Endpoints, "ap-south", "bom", "bom-peer", settings: settings);
        await using var edge = await EdgeNode.StartAsync(relay.Url, "ap-south", "bom", "bom-gap", settings: settings);

        // The peer makes a variant and writes it to the region's Redis; the edge reads it from there.
        var width = 120;
        var options = "";
        await Eventually.WaitAsync(async () =>
        {
            options = $"w:{width++}";
            Assert.Equal("MISS", await CacheStatusAsync(peer, options, "top.jpg"));
            await Task.Delay(200);
            return await CacheStatusAsync(edge, options, "top.jpg") == "HIT-REDIS";
        }, HangGuard, "the edge reads the peer's variant from Redis");
        Assert.Equal("HIT-MEMORY", await CacheStatusAsync(edge, options, "top.jpg"));
        Assert.Equal("MISS", await CacheStatusAsync(edge, options, "photos/cat.jpg"));

        await FollowingAsync(edge);
        relay.Cut();
        await PurgeAsync("photos/dog.jpg");
        await PurgeAsync("photos/fill.jpg");
        // The leader's retention, a while later: the event is deleted, and the horizon says so.
        using (var etcd = Gateway())
        {
            var now = DateTimeOffset.UtcNow;
            await PurgeLog.DeleteIssuedBeforeAsync(etcd, new EtcdKeys("/edgeimages/"), now.AddMinutes(1), now, CancellationToken.None);
        }

        await CompactAsync();
        await PurgeAsync("photos/other.jpg");
        var forgot = PurgeWaits.ForgotAsync(edge.Purges);
        relay.Heal();
        var generation = await forgot.WaitAsync(HangGuard);

        Assert.Equal(1, generation);
        // Nothing it held is served: not from memory, not from the region's Redis of before.
        Assert.Equal("MISS", await CacheStatusAsync(edge, options, "top.jpg"));
        Assert.Equal("MISS", await CacheStatusAsync(edge, options, "photos/cat.jpg"));
        // The peer follows the region to the new generation; what it made itself it may keep.
        await Eventually.WaitAsync(() => peer.State.Snapshot.CacheGeneration == 1, HangGuard, "the peer on generation 1");
        Assert.Equal("HIT-MEMORY", await CacheStatusAsync(peer, options, "top.jpg"));
    }

    /// <summary>Waits until the edge applies purges, so that the cut below really interrupts a running watch.</summary>
    private async Task FollowingAsync(EdgeNode edge)
    {
        var path = $"ready/{Guid.NewGuid():N}.jpg";
        var applied = PurgeWaits.AppliedAsync(edge.Purges, path);
        await PurgeAsync(path);
        await applied.WaitAsync(HangGuard);
    }

    private async Task PurgeAsync(string path)
    {
        using var response = await world.ControlPlane.Client.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>etcd's Compact at the current revision: every earlier revision's history is gone.</summary>
    private async Task CompactAsync()
    {
        using var channel = GrpcChannel.ForAddress(world.Etcd.Members[1].ClientUrl);
        var kv = new KV.KVClient(channel);
        var head = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("/edgeimages/"), Limit = 1 });
        await kv.CompactAsync(new CompactionRequest { Revision = head.Header.Revision, Physical = true });
    }

    private EtcdGateway Gateway() =>
        new(() => new EtcdConnectionSettings([new Uri(world.Etcd.Members[1].ClientUrl)], TimeSpan.FromSeconds(5)), TimeProvider.System);

    private static async Task<string?> CacheStatusAsync(EdgeNode edge, string options, string path)
    {
        using var response = await edge.GetStaticAsync(options, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("X-Cache", out var values) ? values.First() : null;
    }
}
