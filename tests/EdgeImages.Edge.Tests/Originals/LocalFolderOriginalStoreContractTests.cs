using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.Originals;

/// <summary>The contract on the embedded default: originals in a local folder.</summary>
public sealed class LocalFolderOriginalStoreContractTests : OriginalStoreContract
{
    private protected override async Task<EdgeServer> StartEdgeAsync(params (string Key, string Value)[] settings)
    {
        var edge = await EdgeServer.StartAsync(settings.ToDictionary(s => s.Key, s => (string?)s.Value));
        return edge.WithOriginal(PhotoPath, PhotoImage);
    }
}
