using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.ControlPlane.Diagnostics;
using EdgeImages.ControlPlane.Tests.Infrastructure;
using EdgeImages.Etcd;
using EdgeImages.Testing;
using Google.Protobuf;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace EdgeImages.ControlPlane.Tests.Etcd;

/// <summary>
/// A document written straight into etcd that the control plane cannot read costs its own entry, not the endpoint: lists
/// answer 200 with the documents that read, a request for that one answers 409 problem+json naming its key, and the
/// replica logs it with its key and counts it by kind, once per stored version. Its own etcd and replica, so that the
/// bad documents reach no other test and the counts are exact.
/// </summary>
public sealed class UnreadableDocumentTests(UnreadableDocumentTests.World world) : IClassFixture<UnreadableDocumentTests.World>
{
    private static readonly EtcdKeys Keys = new("/edgeimages/");

    [Fact]
    public async Task UnreadableDocumentOfEveryListedKind_ListsAnswer200WithTheGoodOnes_LoggedWithItsKey_CountedOncePerVersion()
    {
        var admin = world.ControlPlane.Client;
        using var unreadable = world.Unreadable();
        (await admin.PutAsJsonAsync("/v1/tenants/good", new { maxAgeSeconds = 60 })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/v1/keys", new { kid = "good", tenants = new[] { "good" } })).EnsureSuccessStatusCode();
        await world.ControlPlane.CreateApiKeyAsync("good", "read");
        (await admin.PutAsJsonAsync("/v1/regions/good", new { latitude = 50.1, longitude = 8.7 })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/v1/pops/good", new { region = "good", latitude = 50.1, longitude = 8.7 })).EnsureSuccessStatusCode();
        // (list, what the good one holds, where the bad one is written, its kind)
        (string List, string Good, string Bad, string Kind)[] lists =
        [
            ("/v1/tenants", "\"id\":\"good\"", Keys.Tenant("bad"), "tenant"),
            ("/v1/keys", "\"kid\":\"good\"", Keys.Key("bad"), "signing_key"),
            ("/v1/admin-keys", "\"name\":\"good\"", Keys.AdminKey("bad"), "admin_key"),
            ("/v1/audit", "\"action\":\"pop.put\"", Keys.AuditEntry(DateTimeOffset.UtcNow.AddDays(1), "bad"), "audit_entry"),
            ("/v1/regions", "\"id\":\"good\"", Keys.Region("bad"), "region"),
            ("/v1/pops", "\"id\":\"good\"", Keys.Pop("bad"), "pop"),
        ];
        foreach (var (_, _, bad, _) in lists)
        {
            await world.PutAsync(bad, "{not json");
        }

        foreach (var (list, good, _, _) in lists)
        {
            // Twice: a polled list reports a bad document once, not at every read.
            for (var read = 0; read < 2; read++)
            {
                using var response = await admin.GetAsync(list);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains(good, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        foreach (var (_, _, bad, kind) in lists)
        {
            Assert.Equal(1, unreadable.Count(kind));
            Assert.Single(world.Logs.Entries, entry => entry.StartsWith("Warning", StringComparison.Ordinal) && entry.Contains(bad, StringComparison.Ordinal));
        }

        // Written again, still bad: a new version, reported anew.
        await world.PutAsync(Keys.Tenant("bad"), "[1,2,3]");
        (await admin.GetAsync("/v1/tenants")).EnsureSuccessStatusCode();
        Assert.Equal(2, unreadable.Count("tenant"));
    }

    [Fact]
    public async Task UnreadableDocument_AskedForAlone_409ProblemJsonNamingItsKey_UntilWrittenAgainThroughTheApi()
    {
        var admin = world.ControlPlane.Client;
        await world.PutAsync(Keys.Tenant("broken"), """{"maxAgeSeconds":"sixty"}""");
        await world.PutAsync(Keys.Key("broken"), "{not json");

        using var tenant = await admin.GetAsync("/v1/tenants/broken");
        using var activate = await admin.PostAsync("/v1/keys/broken/activate", null);
        using var retire = await admin.PostAsync("/v1/keys/broken/retire", null);

        foreach (var response in new[] { tenant, activate, retire })
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        var problem = await tenant.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(Keys.Tenant("broken"), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // A platform key writes over it without reading it; then it reads again.
        (await admin.PutAsJsonAsync("/v1/tenants/broken", new { maxAgeSeconds = 60 })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/tenants/broken")).StatusCode);
    }

    /// <summary>One etcd member and one control-plane replica whose warnings are captured.</summary>
    public sealed class World : IAsyncLifetime
    {
        internal EtcdCluster Etcd { get; private set; } = null!;

        internal ControlPlaneServer ControlPlane { get; private set; } = null!;

        internal CapturedLogs Logs { get; } = new();

        public async Task InitializeAsync()
        {
            Etcd = await EtcdCluster.StartAsync(size: 1);
            ControlPlane = await ControlPlaneServer.StartAsync(Etcd.Endpoints, "cp-unreadable", logs: Logs);
        }

        public async Task DisposeAsync()
        {
            await ControlPlane.DisposeAsync();
            await Etcd.DisposeAsync();
        }

        internal async Task PutAsync(string key, string value)
        {
            using var etcd = Etcd.Connect();
            await etcd.PutAsync(key, ByteString.CopyFromUtf8(value), 0, CancellationToken.None);
        }

        /// <summary>This replica's count of unreadable documents (its meter alone), by kind, from now on.</summary>
        internal UnreadableCount Unreadable() => new(new MetricCollector<long>(
            ControlPlane.Services.GetRequiredService<IMeterFactory>(), ControlPlaneMetrics.MeterName, "edgeimages.documents.unreadable"));
    }

    internal sealed class UnreadableCount(MetricCollector<long> collector) : IDisposable
    {
        public long Count(string kind) => collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], kind)).Sum(m => m.Value);

        public void Dispose() => collector.Dispose();
    }
}
