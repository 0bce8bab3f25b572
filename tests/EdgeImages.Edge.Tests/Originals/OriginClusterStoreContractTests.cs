using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Edge.Tests.Origin;

namespace EdgeImages.Edge.Tests.Originals;

/// <summary>The contract on production's store: real origin nodes over HTTP, whose fixture uploaded the photo.</summary>
[Collection(SharedOriginCluster.Name)]
public sealed class OriginClusterStoreContractTests(OriginClusterCollectionFixture cluster) : OriginalStoreContract
{
    private protected override Task<EdgeServer> StartEdgeAsync(params (string Key, string Value)[] settings) =>
        EdgeServer.StartAsync(cluster.Origin.EdgeSettings(settings));
}
