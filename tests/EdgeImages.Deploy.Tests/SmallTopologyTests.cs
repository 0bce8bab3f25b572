using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeImages.Testing;

namespace EdgeImages.Deploy.Tests;

/// <summary>
/// A smaller topology (two regions, one edge each, one origin node, one control plane, etcd ×3) started by
/// the same code as <c>deploy.ps1 up</c>, then exercised as a client would: route, fetch, purge, a rolling replacement
/// of the edges under traffic, and the failover of a whole region. Brought down by <c>deploy.ps1 down</c>, which must
/// leave no process behind.
/// </summary>
public sealed class SmallTopologyTests : IAsyncLifetime
{
    private readonly string _runDir = Directory.CreateTempSubdirectory("edgeimages-deploy-").FullName;
    private readonly int _basePort = FreeBlock();
    private JsonElement _secrets;

    private string ControlPlane => $"http://127.0.0.1:{_basePort + 40}";

    public async Task InitializeAsync()
    {
        try
        {
            await DeployAsync("up", "-Regions", "us-east,eu-west", "-EdgesPerRegion", "1", "-OriginNodes", "1", "-ControlPlanes", "1");
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop whatever up had started.
            await DisposeAsync();
            throw;
        }

        _secrets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_runDir, "secrets.json"))).RootElement;
    }

    public async Task DisposeAsync()
    {
        var pids = Directory.Exists(Path.Combine(_runDir, "pids"))
            ? Directory.GetFiles(Path.Combine(_runDir, "pids")).Select(f => int.Parse(File.ReadAllText(f).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : [];
        await DeployAsync("down");
        try
        {
            Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), $"process {pid} outlived down"));
        }
        finally
        {
            Directory.Delete(_runDir, recursive: true);
        }
    }

    [Fact]
    public async Task RouteFetchPurgeAndRegionFailover_WorkEndToEnd()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // Route: a client of eu-west goes to eu-west first, us-east second.
        var route = await RouteAsync(client, "127.2.0.10");
        Assert.Equal(["eu-west-pop", "us-east-pop"], route.Select(pop => pop.Id));

        // Fetch: a signed URL through the edge routing names.
        var url = Sign("w:240,f:jpeg", "demo", "photos/flower.jpg");
        using var first = await client.GetAsync(route[0].Edge + url);
        using var second = await client.GetAsync(route[0].Edge + url);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("HIT-MEMORY", Header(second, "X-Cache"));

        // Purge at the control plane reaches the edge: the next request is a miss again.
        using var purge = new HttpRequestMessage(HttpMethod.Post, $"{ControlPlane}/v1/purge")
        {
            Content = JsonContent.Create(new { tenant = "demo", path = "photos/flower.jpg" }),
        };
        purge.Headers.Authorization = new("Bearer", _secrets.GetProperty("ControlPlaneAdminKey").GetString());
        using var purged = await client.SendAsync(purge);
        Assert.True(purged.IsSuccessStatusCode, $"purge answered {(int)purged.StatusCode}");
        var lastSeen = "";
        Assert.True(await EventuallyAsync(async () =>
        {
            using var after = await client.GetAsync(route[0].Edge + url);
            lastSeen = $"{(int)after.StatusCode} {Header(after, "X-Cache")}";
            return Header(after, "X-Cache") == "MISS";
        }), $"the purge never reached the edge (last answer: {lastSeen})");

        // Rolling: every edge replaced one at a time while clients of both regions keep asking; deploy.ps1 fails
        // the roll (non-zero exit) on any failed request.
        await DeployAsync("rolling", "-Regions", "us-east,eu-west", "-EdgesPerRegion", "1", "-OriginNodes", "1", "-ControlPlanes", "1");

        // Region failover: eu-west goes dark; its clients are routed to us-east, where the image still loads.
        await DeployAsync("drill", "region-outage", "-Region", "eu-west", "-DrillSeconds", "8",
            "-Regions", "us-east,eu-west", "-EdgesPerRegion", "1", "-OriginNodes", "1", "-ControlPlanes", "1");
        var after = await RouteAsync(client, "127.2.0.10");
        Assert.Equal("eu-west-pop", after[0].Id);
        using var fromFailover = await client.GetAsync((await RouteAsync(client, "127.1.0.10"))[0].Edge + url);
        Assert.Equal(HttpStatusCode.OK, fromFailover.StatusCode);
    }

    private async Task<List<(string Id, string Edge)>> RouteAsync(HttpClient client, string ip)
    {
        var body = await client.GetFromJsonAsync<JsonElement>($"{ControlPlane}/v1/route?ip={ip}");
        return body.GetProperty("pops").EnumerateArray()
            .Select(pop => (pop.GetProperty("id").GetString()!, pop.GetProperty("edges")[0].GetProperty("address").GetString()!.TrimEnd('/')))
            .ToList();
    }

    private string Sign(string options, string tenant, string path)
    {
        var message = $"/{options}/{tenant}/{path}";
        var mac = HMACSHA256.HashData(Convert.FromHexString(_secrets.GetProperty("SigningKey").GetString()!), Encoding.UTF8.GetBytes(message));
        return $"/{_secrets.GetProperty("SigningKeyId").GetString()}.{Convert.ToBase64String(mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_')}{message}";
    }

    private async Task DeployAsync(string command, params string[] arguments)
    {
        string[] all = ["pwsh", "-NoProfile", "-File", Path.Combine(RepositoryPaths.Root, "deploy.ps1"), command, .. arguments,
            "-RunDir", _runDir, "-BasePort", _basePort.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (command != "up")
        {
            all = [.. all, "-NoBuild"];
        }

        await using var deploy = ProcessHandle.Start("dotnet", all, RepositoryPaths.Root);
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await deploy.WaitForExitAsync(guard.Token);
        Assert.True(deploy.ExitCode == 0, $"deploy.ps1 {command} exited with {deploy.ExitCode}:\n{deploy.Output}");
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        // A hang guard of 20 s: purges normally land in milliseconds.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";

    /// <summary>A block of 100 free loopback ports, for the topology's fixed layout.</summary>
    private static int FreeBlock()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = 20000 + (100 * Random.Shared.Next(0, 300));
            var listeners = new List<System.Net.Sockets.TcpListener>();
            try
            {
                for (var port = start; port < start + 100; port++)
                {
                    var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listeners.Add(listener);
                }

                return start;
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
            finally
            {
                listeners.ForEach(listener => listener.Stop());
            }
        }

        throw new InvalidOperationException("No block of 100 free loopback ports.");
    }
}
