using System.Net;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Tests.Purge;

public sealed class PurgeTests(Deployment world) : IClassFixture<Deployment>
{
    [Theory]
    [InlineData("photos/cat.jpg", """{"tenant":"acme","path":"photos/cat.jpg"}""", "photos/dog.jpg")]
    [InlineData("photos/dog.jpg", """{"tenant":"acme","prefix":"photos/"}""", "top.jpg")]
    [InlineData("top.jpg", """{"tenant":"acme"}""", null)]
    public async Task Purge_EvictsOnEveryEdge_OnlyWhatItNames(string purged, string body, string? kept)
    {
        var edges = new[] { world.Frankfurt, world.Ashburn };
        var options = $"w:{Random.Shared.Next(40, 400)}";
        foreach (var edge in edges)
        {
            await WarmAsync(edge, options, purged);
            if (kept is not null)
            {
                await WarmAsync(edge, options, kept);
            }
        }

        var applied = edges.Select(e => WaitPurgedAsync(e.Agent)).ToArray();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await world.ControlPlane.Client.PostAsync("/v1/purge", content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Task.WhenAll(applied).WaitAsync(TimeSpan.FromSeconds(20));

        foreach (var edge in edges)
        {
            Assert.Equal("MISS", await CacheStatusAsync(edge, options, purged));
            if (kept is not null)
            {
                Assert.StartsWith("HIT", await CacheStatusAsync(edge, options, kept), StringComparison.Ordinal);
            }
        }
    }

    private static async Task WarmAsync(EdgeNode edge, string options, string path)
    {
        using var first = await edge.GetStaticAsync(options, path);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.StartsWith("HIT", await CacheStatusAsync(edge, options, path), StringComparison.Ordinal);
    }

    private static async Task<string?> CacheStatusAsync(EdgeNode edge, string options, string path)
    {
        using var response = await edge.GetStaticAsync(options, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("X-Cache", out var values) ? values.First() : null;
    }

    private static Task WaitPurgedAsync(EdgeAgent agent, string? path = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(PurgeDocument purge)
        {
            if (path is null || purge.Path == path)
            {
                agent.Purged -= Handler;
                done.TrySetResult();
            }
        }

        agent.Purged += Handler;
        return done.Task;
    }
}
