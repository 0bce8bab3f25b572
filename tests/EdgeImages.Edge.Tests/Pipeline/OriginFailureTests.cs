using System.Net;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Origin;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeImages.Edge.Tests.Pipeline;

public sealed class OriginFailureTests
{
    [Fact]
    public async Task OriginNeverAnswers_FetchTimeoutEndsTheWait_Returns504()
    {
        await using var edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?> { ["Originals:FetchTimeout"] = "00:00:00.300" },
            services => services.Replace(ServiceDescriptor.Singleton<IOriginalStore, StuckStore>()));

        // The store only ever returns by being cancelled, so a 504 (not the client's own timeout) shows that the
        // fetch timeout ended the wait. How soon is not asserted: a loaded machine says nothing about it.
        using var response = await edge.GetAsync("w:100", "any.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task OriginFails_Returns502()
    {
        await using var edge = await EdgeServer.StartAsync(
            services: services => services.Replace(ServiceDescriptor.Singleton<IOriginalStore, FailingStore>()));

        using var response = await edge.GetAsync("w:100", "any.jpg");

        await UrlContractTests.AssertProblemAsync(response, HttpStatusCode.BadGateway);
    }

    [Fact]
    public async Task ConcurrentMisses_OneKey_OneFetchAndOneVariant()
    {
        var counting = new CountingStore();
        await using var edge = await EdgeServer.StartAsync(services: services =>
        {
            services.AddSingleton<LocalFolderOriginalStore>();
            services.Replace(ServiceDescriptor.Singleton<IOriginalStore>(provider =>
            {
                counting.Inner = provider.GetRequiredService<LocalFolderOriginalStore>();
                return counting;
            }));
        });
        edge.WithOriginal("photo.jpg", "photo-flower-3mp-baseline.jpg");

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => edge.GetAsync("w:321,f:jpeg", "photo.jpg")));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(1, counting.Fetches);
        Assert.Single(responses.Select(response => response.Headers.ETag!.Tag).Distinct());
    }

    private sealed class StuckStore : IOriginalStore
    {
        public async Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    private sealed class FailingStore : IOriginalStore
    {
        public Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken) =>
            throw UpstreamFailureException.Of(OriginFailureKind.Status);
    }

    private sealed class CountingStore : IOriginalStore
    {
        private int _fetches;

        public LocalFolderOriginalStore Inner { get; set; } = null!;

        public int Fetches => Volatile.Read(ref _fetches);

        public async Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _fetches);
            // Hold the miss open so that every request of the burst arrives while it is in flight.
            await Task.Delay(300, cancellationToken);
            return await Inner.FetchAsync(key, cancellationToken);
        }
    }
}
