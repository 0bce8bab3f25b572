using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeImages.LoadTests.Generation;
using EdgeImages.LoadTests.Topology;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests.Probes;

/// <summary>
/// How fast the control plane's promises are kept on a topology that <c>deploy.ps1 up</c> started: purge propagation
/// over many purges, a new signing key reaching every edge, a frozen leader replaced, a frozen PoP dropped from
/// routing, a frozen etcd member routed around, and an admin write refused without a quorum. The tests check that
/// each of these happens; this measures how soon, on the machine at hand. Every process it freezes (SIGSTOP) it
/// resumes (SIGCONT) before it moves on.
/// </summary>
internal static class ControlPlaneProbe
{
    /// <summary>A hang guard for each wait: far beyond any of the promises measured here.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>The measured key's binding: the tenant the topology seeds (a key without tenants is refused).</summary>
    private static readonly string[] DemoTenant = ["demo"];

    public static async Task RunAsync(DeployedTopology topology, int purges, string output, TextWriter log)
    {
        // HTTPS with the deployment CA pinned, as deploy.ps1's operator.
        using var http = topology.CreateClient(TimeSpan.FromSeconds(30));
        var admin = topology.Secret("control-plane-admin-key");
        var controlPlanes = topology.OfKind("control-plane").ToList();
        var edges = topology.OfKind("edge").ToList();
        var results = new Dictionary<string, object?>();

        var purge = await PurgePropagationAsync(http, controlPlanes[0], admin, edges, purges);
        log.WriteLine($"purge propagation (POST to applied on all {edges.Count} edges, by their counters): {Percentiles.Describe(purge)}");
        results["purgePropagationMs"] = Summary(purge);

        var key = await KeyPropagationAsync(http, controlPlanes[0], admin, edges);
        log.WriteLine(Invariant($"new signing key verifying on all {edges.Count} edges: {key:F1} ms"));
        results["keyPropagationMs"] = key;

        if (controlPlanes.Count > 1)
        {
            var leader = await LeaderFailoverAsync(http, topology, controlPlanes);
            log.WriteLine(Invariant($"leader frozen, another replica leading: {leader:F0} ms"));
            results["leaderFailoverMs"] = leader;
        }

        var region = topology.RegionClients.Keys.First();
        var pop = await PopFailoverAsync(http, topology, controlPlanes[0], region);
        log.WriteLine(Invariant($"edges of {region} frozen, its PoP out of routing: {pop:F0} ms"));
        results["popExclusionMs"] = pop;

        var member = await PausedMemberAsync(http, topology, controlPlanes[0]);
        log.WriteLine(Invariant($"one etcd member frozen, out of the control plane's rotation: {member:F0} ms"));
        results["pausedMemberExcludedMs"] = member;

        var refusal = await NoQuorumRefusalAsync(http, topology, controlPlanes[0], admin);
        log.WriteLine(Invariant($"two etcd members frozen, admin write answered 503 in: {refusal:F0} ms"));
        results["noQuorumRefusalMs"] = refusal;

        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, LoadTestData.Json));
        log.WriteLine($"written to {output}");
    }

    private static async Task<List<double>> PurgePropagationAsync(HttpClient http, DeployedProcess controlPlane, string admin, List<DeployedProcess> edges, int count)
    {
        var samples = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var before = await Task.WhenAll(edges.Select(edge => PurgesAppliedAsync(http, edge)));
            var clock = Stopwatch.StartNew();
            using var request = Authorized(HttpMethod.Post, new Uri(controlPlane.Address, "/v1/purge"), admin);
            request.Content = JsonContent.Create(new { tenant = "demo", path = $"measure/{i}.jpg" });
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"purge answered {(int)response.StatusCode}");
            }

            await Task.WhenAll(edges.Select((edge, e) => Eventually.WaitAsync(
                async () => await PurgesAppliedAsync(http, edge) > before[e], Guard, $"purge {i} on {edge.Name}", TimeSpan.FromMilliseconds(1))));
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    private static async Task<double> PurgesAppliedAsync(HttpClient http, DeployedProcess edge) =>
        PrometheusText.Parse(await http.GetStringAsync(new Uri(edge.Address, "/metrics")))
            .Where(sample => sample.Name == "edgeimages_purges_total")
            .Sum(sample => sample.Value);

    private static async Task<double> KeyPropagationAsync(HttpClient http, DeployedProcess controlPlane, string admin, List<DeployedProcess> edges)
    {
        var kid = "measure-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        using var create = Authorized(HttpMethod.Post, new Uri(controlPlane.Address, "/v1/keys"), admin);
        create.Content = JsonContent.Create(new { kid, tenants = DemoTenant }); // every key names its tenants
        var clock = Stopwatch.StartNew();
        using var created = await http.SendAsync(create);
        created.EnsureSuccessStatusCode();
        var secret = Convert.FromHexString((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);
        var path = Sign(kid, secret, "w:64,f:jpeg", "demo", "photos/flower.jpg");
        await Task.WhenAll(edges.Select(edge => Eventually.WaitAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri(edge.Address, path));
                return response.StatusCode == HttpStatusCode.OK;
            }, Guard, $"{kid} verifying on {edge.Name}", TimeSpan.FromMilliseconds(1))));
        var elapsed = clock.Elapsed.TotalMilliseconds;

        // Retired again: a measurement leaves no key behind that could sign URLs.
        using var retire = Authorized(HttpMethod.Post, new Uri(controlPlane.Address, $"/v1/keys/{kid}/retire"), admin);
        (await http.SendAsync(retire)).Dispose();
        return elapsed;
    }

    private static async Task<double> LeaderFailoverAsync(HttpClient http, DeployedTopology topology, List<DeployedProcess> controlPlanes)
    {
        var leaderName = await LeaderAsync(http, controlPlanes[0]);
        var leader = controlPlanes.Single(cp => cp.Name == leaderName);
        var other = controlPlanes.First(cp => cp != leader);
        topology.Pause(leader);
        var clock = Stopwatch.StartNew();
        try
        {
            await Eventually.WaitAsync(async () => await LeaderAsync(http, other) is { } now && now != leaderName, Guard, "another replica leading", TimeSpan.FromMilliseconds(5));
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            topology.Resume(leader);
        }
    }

    private static async Task<string?> LeaderAsync(HttpClient http, DeployedProcess controlPlane)
    {
        try
        {
            return (await http.GetFromJsonAsync<JsonElement>(new Uri(controlPlane.Address, "/v1/leader"))).GetProperty("leader").GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<double> PopFailoverAsync(HttpClient http, DeployedTopology topology, DeployedProcess controlPlane, string region)
    {
        // Frozen rather than killed: the edges stop renewing their leases and stop answering probes, as a crashed or
        // cut-off PoP does, and SIGCONT brings them back without a restart.
        var pop = $"{region}-pop";
        var frozen = topology.OfKind("edge").Where(edge => edge.Region == region).ToList();
        var client = topology.RegionClients[region];
        frozen.ForEach(topology.Pause);
        var clock = Stopwatch.StartNew();
        try
        {
            await Eventually.WaitAsync(async () => !(await PopsAsync(http, controlPlane, client)).Contains(pop), Guard, $"{pop} out of routing", TimeSpan.FromMilliseconds(20));
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            frozen.ForEach(topology.Resume);
            await Eventually.WaitAsync(async () => (await PopsAsync(http, controlPlane, client)).Contains(pop), Guard, $"{pop} back in routing", TimeSpan.FromMilliseconds(100));
        }
    }

    private static async Task<List<string>> PopsAsync(HttpClient http, DeployedProcess controlPlane, string client)
    {
        var answer = await http.GetFromJsonAsync<JsonElement>(new Uri(controlPlane.Address, $"/v1/route?ip={client}"));
        return [.. answer.GetProperty("pops").EnumerateArray().Select(p => p.GetProperty("id").GetString()!)];
    }

    private static async Task<double> PausedMemberAsync(HttpClient http, DeployedTopology topology, DeployedProcess controlPlane)
    {
        var member = topology.OfKind("etcd").Last();
        topology.Pause(member);
        var clock = Stopwatch.StartNew();
        try
        {
            await Eventually.WaitAsync(
                async () =>
                {
                    using var readiness = await http.GetAsync(new Uri(controlPlane.Address, "/readyz"));
                    return readiness.IsSuccessStatusCode && (await readiness.Content.ReadAsStringAsync()).Contains("2 of 3 members answering", StringComparison.Ordinal);
                }, Guard, "readiness reporting the frozen member", TimeSpan.FromMilliseconds(20));
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            topology.Resume(member);
        }
    }

    private static async Task<double> NoQuorumRefusalAsync(HttpClient http, DeployedTopology topology, DeployedProcess controlPlane, string admin)
    {
        var frozen = topology.OfKind("etcd").Take(2).ToList();
        frozen.ForEach(topology.Pause);
        try
        {
            var clock = Stopwatch.StartNew();
            using var write = Authorized(HttpMethod.Post, new Uri(controlPlane.Address, "/v1/purge"), admin);
            write.Content = JsonContent.Create(new { tenant = "demo", path = "measure/no-quorum.jpg" });
            using var refused = await http.SendAsync(write);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (refused.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                throw new InvalidOperationException($"a write without quorum answered {(int)refused.StatusCode}, not 503");
            }

            return elapsed;
        }
        finally
        {
            frozen.ForEach(topology.Resume);
            await Eventually.WaitAsync(
                async () =>
                {
                    using var readiness = await http.GetAsync(new Uri(controlPlane.Address, "/readyz"));
                    return readiness.IsSuccessStatusCode && (await readiness.Content.ReadAsStringAsync()).Contains("3 of 3 members answering", StringComparison.Ordinal);
                }, Guard, "etcd whole again", TimeSpan.FromMilliseconds(100));
        }
    }

    private static HttpRequestMessage Authorized(HttpMethod method, Uri uri, string token)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static string Sign(string kid, byte[] secret, string options, string tenant, string path)
    {
        var message = $"/{options}/{tenant}/{path}";
        var mac = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(message));
        return $"/{kid}.{Convert.ToBase64String(mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_')}{message}";
    }

    private static object Summary(List<double> samples) =>
        new { n = samples.Count, p50 = Percentiles.Of(samples, 50), p99 = Percentiles.Of(samples, 99), max = samples.Max() };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
