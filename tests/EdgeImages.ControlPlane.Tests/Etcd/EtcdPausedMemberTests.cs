using System.Net;
using System.Net.Http.Json;
using EdgeImages.ControlPlane.Tests.Infrastructure;

namespace EdgeImages.ControlPlane.Tests.Faults;

/// <summary>
/// One etcd member paused (SIGSTOP) rather than killed, on a deployment of its own (the kill test stops an edge for
/// good). A paused member is worse than a dead one: its port stays open and accepts, and nothing answers.
/// </summary>
public sealed class EtcdPausedMemberTests(Deployment world) : IClassFixture<Deployment>
{
    private const string Image = "photos/cat.jpg";

    [Fact]
    public async Task OneMemberPaused_RoutedAround_AdminWritesSucceedAndReachEdges()
    {
        // The gateway stops sending the member calls once a status probe goes unanswered; from then on nothing visible
        // changes.
        var admin = world.ControlPlane.Client;
        var edges = new[] { world.Frankfurt, world.Ashburn };
        await world.Etcd.WaitHealthyAsync();
        var members = world.Etcd.Members;
        bool[] leaderFlags = [];
        await Eventually.WaitAsync(async () =>
        {
            leaderFlags = await Task.WhenAll(members.Select(m => m.IsLeaderAsync()));
            return leaderFlags.Count(isLeader => isLeader) == 1;
        }, TimeSpan.FromSeconds(30), "one etcd leader", TimeSpan.FromMilliseconds(100));
        var follower = members.Where((m, i) => !leaderFlags[i]).First();
        var failedAttempts = new List<string>();
        follower.Pause();
        try
        {
            // Readiness says how many members answer: the frozen one is out of the rotation once it reads 2 of 3. (Until
            // then the readiness read itself may be sent to the frozen member and answer 503.)
            await Eventually.WaitAsync(
                async () =>
                {
                    using var readiness = await admin.GetAsync("/readyz");
                    return readiness.IsSuccessStatusCode && (await readiness.Content.ReadAsStringAsync()).Contains("2 of 3 members answering", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(30), "readiness reports the paused member as not answering", TimeSpan.FromMilliseconds(100));

            // Each write is asked until it is accepted, and every refusal is counted. Without the probe a third of the
            // calls would still go to the frozen member and wait out their deadline: most writes (two etcd calls or
            // more each) would be refused at least once. With it, refusals can only come from something else, such
            // as a leader election on a machine too loaded to send heartbeats in time.
            for (var i = 1; i <= 12; i++)
            {
                var value = 500 + i;
                await Eventually.WaitAsync(async () =>
                {
                    using var response = await admin.PutAsJsonAsync("/v1/tenants/acme", new { maxAgeSeconds = value });
                    if (!response.IsSuccessStatusCode)
                    {
                        failedAttempts.Add($"write {value}: {(int)response.StatusCode}");
                    }

                    return response.IsSuccessStatusCode;
                }, TimeSpan.FromSeconds(30), $"admin write {value} accepted", TimeSpan.FromMilliseconds(100));
            }

            await Eventually.WaitAsync(() => edges.All(e => e.State.Get("acme").MaxAge == TimeSpan.FromSeconds(512)), TimeSpan.FromSeconds(30),
                "the last write reached every edge with a member paused");
            using var purge = await admin.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = Image });
            if (purge.StatusCode != HttpStatusCode.Accepted)
            {
                failedAttempts.Add($"purge: {(int)purge.StatusCode}");
            }
        }
        finally
        {
            follower.Resume();
        }

        Assert.True(failedAttempts.Count <= 2, "refused: " + string.Join(", ", failedAttempts));
        await world.Etcd.WaitHealthyAsync();
    }
}
