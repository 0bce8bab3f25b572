using System.Net;
using System.Text.Json;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Pipeline;
using EdgeImages.Edge.Tests.RateLimiting;
using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeImages.Edge.Tests.Security;

/// <summary>
/// Two tenants on one real edge: acme's key (k1, bound to acme) signs a URL of globex's original with a MAC that is
/// valid for its secret. The edge must refuse it as the spec orders: 403 before any quota, cache lookup or fetch.
/// </summary>
public sealed class KeyTenantBindingTests
{
    // The same secret as EdgeServer's k1, but free to sign for any tenant: what an attacker holding acme's secret has.
    private static readonly SigningKey StolenAcmeSecret = new(EdgeServer.KeyId, EdgeServer.Secret, KeyTenants.AllTenants);

    [Fact]
    public async Task AcmeKeyValidMacOnGlobexUrl_Is403KeyNotValidForTenant_NothingFetchedNorQuotaSpent()
    {
        var fetches = 0;
        await using var edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Tenants:globex:RequestsPerSecond"] = "1", ["Tenants:globex:Burst"] = "2" },
            services =>
            {
                services.AddSingleton<LocalFolderOriginalStore>();
                services.Replace(ServiceDescriptor.Singleton<IOriginalStore>(provider =>
                    new CountingStore(provider.GetRequiredService<LocalFolderOriginalStore>(), () => Interlocked.Increment(ref fetches))));
            });
        TenantRateLimitTests.WithOriginalOf(edge, "globex", "contracts/q3.png", "tiny-2x3.png");

        var refused = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            refused.Add(await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("-", "contracts/q3.png", "globex", StolenAcmeSecret)))));
        }

        foreach (var response in refused)
        {
            await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.Forbidden);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("not valid for this tenant", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            response.Dispose();
        }

        Assert.Equal(0, Volatile.Read(ref fetches));

        // globex's own (platform) key still has its whole burst: the refused URLs spent none of globex's quota.
        for (var i = 0; i < 2; i++)
        {
            using var genuine = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url($"w:{i + 1}", "contracts/q3.png", "globex", edge.PlatformKey))));
            Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        }
    }

    [Fact]
    public async Task AcmeKeyOnCachedGlobexVariant_Is403_NotServedFromCache()
    {
        await using var edge = await EdgeServer.StartAsync();
        TenantRateLimitTests.WithOriginalOf(edge, "globex", "contracts/q3.png", "tiny-2x3.png");
        using var warm = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:2", "contracts/q3.png", "globex", edge.PlatformKey))));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        using var stolen = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, edge.RawUri(edge.Url("w:2", "contracts/q3.png", "globex", StolenAcmeSecret))));

        await UrlContractTests.AssertProblemAsync(stolen, HttpStatusCode.Forbidden);
        Assert.DoesNotContain(stolen.Headers.TryGetValues("X-Cache", out var tiers) ? tiers : [], tier => tier.StartsWith("HIT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcmeKeyOnAcmeUrl_Is200()
    {
        await using var edge = await EdgeServer.StartAsync();
        edge.WithOriginal("a.png", "tiny-2x3.png");

        using var response = await edge.GetAsync("w:2", "a.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private sealed class CountingStore(IOriginalStore inner, Action counted) : IOriginalStore
    {
        public Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
        {
            counted();
            return inner.FetchAsync(key, cancellationToken);
        }
    }
}
