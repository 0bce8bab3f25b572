using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Tests.Infrastructure;

namespace EdgeImages.ControlPlane.Tests.Keys;

public sealed class KeyRotationTests(Deployment world) : IClassFixture<Deployment>
{
    private const string Image = "photos/cat.jpg";

    [Fact]
    public async Task CreatedActivatedKey_ReachesEveryEdge_PreviousVerifiesUntilRetired()
    {
        var admin = world.ControlPlane.Client;
        var edges = new[] { world.Frankfurt, world.Ashburn };

        var first = await CreateKeyAsync(admin, "rot-a");
        (await admin.PostAsync("/v1/keys/rot-a/activate", null)).EnsureSuccessStatusCode();
        await WaitAcceptedAsync(edges, "rot-a", first);

        // Rotation: a new key, activated, reaches every edge (how soon: loadtests' control-plane command).
        var second = await CreateKeyAsync(admin, "rot-b");
        await WaitAcceptedAsync(edges, "rot-b", second); // verify-only keys verify too: edges know it before it signs
        (await admin.PostAsync("/v1/keys/rot-b/activate", null)).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => edges.All(e => e.State.TryGetKey("rot-b", out var key) && key.State == Sdk.Signing.SigningKeyState.Active),
            TimeSpan.FromSeconds(20), "rot-b active on every edge", TimeSpan.FromMilliseconds(1));

        // The previous key is verify-only now, and keeps verifying.
        var keys = await admin.GetFromJsonAsync<JsonElement>("/v1/keys");
        Assert.Equal("verify-only", keys.EnumerateArray().Single(k => k.GetProperty("kid").GetString() == "rot-a").GetProperty("state").GetString());
        foreach (var edge in edges)
        {
            using var response = await edge.GetAsync("rot-a", first, "w:64", Image);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Retired: refused everywhere, the URL each edge has already verified and served (and remembers) included.
        (await admin.PostAsync("/v1/keys/rot-a/retire", null)).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(async () =>
        {
            foreach (var edge in edges)
            {
                foreach (var options in new[] { "w:64", "w:65" })
                {
                    using var response = await edge.GetAsync("rot-a", first, options, Image);
                    if (response.StatusCode != HttpStatusCode.Forbidden)
                    {
                        return false;
                    }
                }
            }

            return true;
        }, TimeSpan.FromSeconds(20), "rot-a refused after retirement");
        using var stillGood = await world.Frankfurt.GetAsync("rot-b", second, "w:65", Image);
        Assert.Equal(HttpStatusCode.OK, stillGood.StatusCode);
    }

    [Fact]
    public async Task Secret_IsAnsweredOnce_AndStoredSealed()
    {
        var admin = world.ControlPlane.Client;
        var secret = await CreateKeyAsync(admin, "sealed-1");
        var listing = await admin.GetStringAsync("/v1/keys");
        Assert.DoesNotContain(Convert.ToHexStringLower(secret), listing, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", listing, StringComparison.OrdinalIgnoreCase);

        var etcd = world.ControlPlane.Services.GetRequiredService<EtcdStore>();
        var stored = (await etcd.GetAsync(etcd.Keys.Key("sealed-1"), CancellationToken.None))!.Value.ToStringUtf8();
        Assert.DoesNotContain(Convert.ToHexStringLower(secret), stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(secret), stored, StringComparison.Ordinal);

        // ...and the edge's state file holds it sealed as well.
        // The edge swaps its snapshot in memory first and writes the file just after (atomically: temp, fsync,
        // rename), so wait for the file itself.
        await Eventually.WaitAsync(
            () => File.Exists(world.Frankfurt.StateFile) && File.ReadAllText(world.Frankfurt.StateFile).Contains("sealed-1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20),
            "edge's state file has sealed-1");
        var file = await File.ReadAllTextAsync(world.Frankfurt.StateFile);
        Assert.Contains("sealed-1", file, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(secret), file, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ScheduledRetirement_IsCarriedOutByTheLeader()
    {
        var admin = world.ControlPlane.Client;
        await CreateKeyAsync(admin, "expiring");
        (await admin.PostAsJsonAsync("/v1/keys/expiring/retire", new { afterSeconds = 1 })).EnsureSuccessStatusCode();
        await Eventually.WaitAsync(() => world.Ashburn.State.TryGetKey("expiring", out var key) && key.State == Sdk.Signing.SigningKeyState.Retired,
            TimeSpan.FromSeconds(20), "the leader retired the key and edges learned it");
        var audit = await admin.GetStringAsync("/v1/audit?limit=50");
        Assert.Contains("key.expire", audit, StringComparison.Ordinal);
    }

    internal static async Task<byte[]> CreateKeyAsync(HttpClient admin, string kid)
    {
        using var response = await admin.PostAsJsonAsync("/v1/keys", new { kid, tenants = new[] { EdgeNode.Tenant } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("verify-only", created.GetProperty("state").GetString());
        return Convert.FromHexString(created.GetProperty("secret").GetString()!);
    }

    private static Task WaitAcceptedAsync(EdgeNode[] edges, string kid, byte[] secret) =>
        Eventually.WaitAsync(async () =>
        {
            foreach (var edge in edges)
            {
                using var response = await edge.GetAsync(kid, secret, "w:64", Image);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(20), $"{kid} accepted by every edge");
}
