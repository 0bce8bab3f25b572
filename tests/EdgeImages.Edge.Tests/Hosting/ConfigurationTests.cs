using EdgeImages.Edge.Hosting;
using EdgeImages.Edge.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Hosting;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Signing:Keys:k1", "not-hex", "Signing:Keys:k1")]
    [InlineData("Signing:Keys:k1", "0011", "Signing:Keys:k1")]
    [InlineData("Signing:ActiveKey", "missing", "Signing:ActiveKey")]
    [InlineData("Originals:Path", "/no/such/folder/anywhere", "Originals:Path")]
    [InlineData("Caching:MaxAge", "-00:00:01", "Caching:MaxAge")]
    [InlineData("Transforms:MaxSourcePixels", "0", "Transforms:MaxSourcePixels")]
    [InlineData("Transforms:Concurrency", "-1", "Transforms:Concurrency")]
    public async Task BadSetting_FailsAtStartUp_NamingTheKey(string key, string value, string named)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { [key] = value });
        });

        var validation = Assert.IsType<OptionsValidationException>(failure);
        Assert.Contains(named, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoSigningKeys_FailsAtStartUp()
    {
        var builder = EdgeApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Production"]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Originals:Path"] = Path.GetTempPath() });
        await using var app = EdgeApplication.Build(builder);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Signing:Keys", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocumentedSettingsFile_StartsAnEdge()
    {
        // edge.appsettings.json documents every key; it must stay a file the edge accepts.
        var file = Path.Combine(TestImages.RepositoryRoot, "edge.appsettings.json");
        var builder = EdgeApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Testing"]);
        builder.Configuration.AddJsonFile(file, optional: false);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Originals:Path"] = Path.Combine(TestImages.RepositoryRoot, "edge", "originals"),
        });
        await using var app = EdgeApplication.Build(builder);

        await app.StartAsync();
        await app.StopAsync();
    }
}
