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

        var applied = edges.Select(e => WaitPurgedAsync(e.Purges)).ToArray();
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

    [Fact]
    public async Task Purge_PercentEncodedPath_EvictsThatOriginalsVariantsOnEveryEdge()
    {
        var edges = new[] { world.Frankfurt, world.Ashburn };
        var options = $"w:{Random.Shared.Next(40, 400)}";
        foreach (var edge in edges)
        {
            var folder = Path.Combine(edge.Folder, "originals", EdgeNode.Tenant, "a b");
            Directory.CreateDirectory(folder);
            File.Copy(Path.Combine(edge.Folder, "originals", EdgeNode.Tenant, "top.jpg"), Path.Combine(folder, "café.jpg"), overwrite: true);
            await WarmAsync(edge, options, "a%20b/caf%C3%A9.jpg");
            await WarmAsync(edge, options, "top.jpg");
        }

        var applied = edges.Select(e => PurgeWaits.AppliedAsync(e.Purges, "a b/café.jpg")).ToArray();
        using var response = await world.ControlPlane.Client.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = "a%20b/caf%C3%A9.jpg" });
        var accepted = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        await Task.WhenAll(applied).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("original acme/a b/café.jpg", accepted.GetProperty("what").GetString());
        foreach (var edge in edges)
        {
            Assert.Equal("MISS", await CacheStatusAsync(edge, options, "a%20b/caf%C3%A9.jpg"));
            Assert.StartsWith("HIT", await CacheStatusAsync(edge, options, "top.jpg"), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"tenant":"acme","path":"../secret.jpg"}""", "'..'")]
    [InlineData("""{"tenant":"acme","path":"/photos/cat.jpg"}""", "empty")]
    [InlineData("""{"tenant":"acme","path":"photos//cat.jpg"}""", "empty")]
    [InlineData("""{"tenant":"acme","path":"photos%2Fcat.jpg"}""", "%2F")]
    [InlineData("""{"tenant":"acme","path":"bad%zz.jpg"}""", "percent-escape")]
    [InlineData("""{"tenant":"acme","path":"ctl%07.jpg"}""", "control")]
    [InlineData("""{"tenant":"acme","prefix":"photos"}""", "ending in '/'")]
    [InlineData("""{"tenant":"acme","prefix":"photos/../"}""", "'..'")]
    [InlineData("""{"tenant":"acme","path":"a.jpg","prefix":"photos/"}""", "Give 'path'")]
    [InlineData("""{"tenant":"Acme"}""", "tenant")]
    public async Task Purge_TargetTheUrlRulesRefuse_Is400NamingTheRule(string body, string rule)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await world.ControlPlane.Client.PostAsync("/v1/purge", content);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(rule, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purges_OneKeyOverItsBurst_Is429WithRetryAfter_AnotherKeyGoesOn()
    {
        await using var replica = await ControlPlaneServer.StartAsync(world.Etcd.Endpoints, "cp-purge-limit", new Dictionary<string, string?>
        {
            ["Purge:Burst"] = "3",
            ["Purge:PerKeyPerSecond"] = "1",
        });
        using var first = replica.Authorized(await replica.CreateApiKeyAsync("purger-a", "purge"));
        using var second = replica.Authorized(await replica.CreateApiKeyAsync("purger-b", "purge"));

        // A burst of 3 refilled at one a second: sent back to back, purges are refused long before 20, however slow the
        // machine (20 purges would need 17 seconds of refills).
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        while (refused is null && statuses.Count < 20)
        {
            var response = await first.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = $"limit/{statuses.Count}.jpg" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        using var other = await second.PostAsJsonAsync("/v1/purge", new { tenant = "acme", path = "limit/other.jpg" });

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted], statuses.Take(3));
        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        refused.Dispose();
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

    private static Task WaitPurgedAsync(PurgeApplier agent, string? path = null)
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
