using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.ControlPlane.Tests.Keys;

namespace EdgeImages.ControlPlane.Tests.Faults;

/// <summary>
/// The control plane and its edges while etcd loses members: one (a quorum remains: nothing visible changes), then
/// a second (no quorum: admin writes fail fast with 503, edges keep serving, an edge restarted meanwhile serves from
/// its state file), then recovery.
/// </summary>
public sealed class EtcdFaultTests(Deployment world) : IClassFixture<Deployment>
{
    private const string Image = "photos/cat.jpg";

    [Fact]
    public async Task MembersKilledAndRestarted_EdgesServeThroughout_AdminWritesFailFastWithoutQuorum()
    {
        var admin = world.ControlPlane.Client;
        var edges = new[] { world.Frankfurt, world.Ashburn };
        var secret = await KeyRotationTests.CreateKeyAsync(admin, "fault-k");
        (await admin.PostAsync("/v1/keys/fault-k/activate", null)).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => edges.All(e => e.State.TryGetKey("fault-k", out _)), TimeSpan.FromSeconds(20), "key on every edge");

        // 1. One member (a follower) killed: a quorum remains, nothing visible changes.
        var members = world.Etcd.Members;
        var leaderFlags = await Task.WhenAll(members.Select(m => m.IsLeaderAsync()));
        var followers = members.Where((m, i) => !leaderFlags[i]).ToList();
        var etcdLeader = members.First((m) => leaderFlags[members.ToList().IndexOf(m)]);
        await followers[0].KillAsync();

        (await admin.PutAsJsonAsync("/v1/tenants/acme", new { maxAgeSeconds = 111 })).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => edges.All(e => e.State.Get("acme").MaxAge == TimeSpan.FromSeconds(111)), TimeSpan.FromSeconds(20), "tenant applied with one member down");
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = Image })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/keys")).StatusCode);
        await AssertServingAsync(edges, secret);

        // 2. A second member killed: no quorum. Writes answer 503 problem+json within the request timeout.
        await etcdLeader.KillAsync();
        // A hang guard, not a speed test: without its own deadline the write would wait for a quorum forever.
        // (loadtests' control-plane command measures how soon the 503 comes.)
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var refused = await admin.PutAsJsonAsync("/v1/tenants/acme", new { maxAgeSeconds = 222 }, guard.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        using var refusedPurge = await admin.PostAsJsonAsync("/v1/purge", new { tenant = "acme" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedPurge.StatusCode);

        // Edges keep serving with the control plane's key and tenant settings; routing answers from the last view.
        await AssertServingAsync(edges, secret);
        Assert.Equal(TimeSpan.FromSeconds(111), world.Frankfurt.State.Get("acme").MaxAge);
        var route = await admin.GetFromJsonAsync<JsonElement>("/v1/route?ip=198.51.100.7");
        Assert.Equal(2, route.GetProperty("pops").GetArrayLength());

        // An edge restarted during the outage starts from its state file and serves.
        var folder = world.Frankfurt.Folder;
        await using (var restarted = await RestartFrankfurtAsync(folder))
        {
            Assert.Equal("file", restarted.State.Snapshot.Source);
            Assert.Equal(TimeSpan.FromSeconds(111), restarted.State.Get("acme").MaxAge);
            using var image = await restarted.GetAsync("fault-k", secret, "w:90", Image);
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);

            // 3. Recovery: both members back; writes succeed and reach every edge, the restarted one included.
            await followers[0].StartAgainAsync();
            await etcdLeader.StartAgainAsync();
            await world.Etcd.WaitHealthyAsync();
            await Eventually.WaitAsync(async () =>
            {
                using var response = await admin.PutAsJsonAsync("/v1/tenants/acme", new { maxAgeSeconds = 333 });
                return response.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(30), "admin writes succeed again", TimeSpan.FromMilliseconds(200));
            var recovered = new[] { restarted, world.Ashburn };
            await Eventually.WaitAsync(() => recovered.All(e => e.State.Get("acme").MaxAge == TimeSpan.FromSeconds(333)), TimeSpan.FromSeconds(30),
                "edges caught up: " + string.Join(", ", recovered.Select(e => $"{e.EdgeId} {e.State.Get("acme").MaxAge} {e.State.Snapshot.Source} r{e.State.Snapshot.Revision}")));
            Assert.Equal("etcd", restarted.State.Snapshot.Source);
            await Deployment.WaitRegisteredAsync(world.ControlPlane, 2);
        }
    }

    private async Task<EdgeNode> RestartFrankfurtAsync(string folder)
    {
        // The fixture's Frankfurt is stopped here for good; the restarted edge reuses its folder (originals and state file).
        await world.Frankfurt.StopAsync();
        return await EdgeNode.StartAsync(world.Etcd.Endpoints, "eu-west", "fra", "fra-1", folder);
    }

    private static async Task AssertServingAsync(EdgeNode[] edges, byte[] secret)
    {
        foreach (var edge in edges)
        {
            using var fresh = await edge.GetAsync("fault-k", secret, $"w:{Random.Shared.Next(50, 500)}", Image);
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
            using var configured = await edge.GetStaticAsync($"w:{Random.Shared.Next(50, 500)}", Image);
            Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
        }
    }
}
