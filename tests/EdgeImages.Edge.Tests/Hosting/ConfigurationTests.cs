using EdgeImages.Edge.ControlPlane;
using EdgeImages.Edge.Hosting;
using EdgeImages.Edge.Security;
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
    [InlineData("Originals:FetchTimeout", "00:06:00", "Originals:FetchTimeout must be between")]
    [InlineData("Caching:MemoryLimitBytes", "1000", "Caching:MemoryLimitBytes must be at least")]
    [InlineData("Caching:StaleIfError", "31.00:00:00", "Caching:StaleIfError must be between")]
    [InlineData("Caching:RedisCooldown", "00:00:00.100", "Caching:RedisCooldown must be 00:00:00 (no breaker)")]
    [InlineData("Transforms:MaxAnimationFrames", "0", "Transforms:MaxAnimationFrames must be positive")]
    [InlineData("Transforms:Deadline", "00:00:00", "Transforms:Deadline must be between")]
    [InlineData("Transforms:WorkerNice", "20", "Transforms:WorkerNice must be between")]
    [InlineData("Transforms:MemoryQueueLength", "-1", "Transforms:MemoryQueueLength must be between")]
    [InlineData("Transforms:MemoryBudgetBytes", "1000", "Transforms:MemoryBudgetBytes must be 0")]
    [InlineData("Origin:TryTimeout", "00:00:00.001", "Origin:TryTimeout must be between")]
    [InlineData("Origin:Retries", "6", "Origin:Retries must be between")]
    [InlineData("Origin:BreakAfterFailures", "1", "Origin:BreakAfterFailures must be at least 2")]
    [InlineData("Origin:Destinations:a", "ftp://origin.example", "Origin:Destinations:a must be an absolute http(s) address")]
    [InlineData("Tls:HstsMaxAge", "-1.00:00:00", "Tls:HstsMaxAge must be between")]
    [InlineData("Tls:CaPath", "/no/such/ca.crt", "Tls:CaPath names a file that does not exist")]
    [InlineData("RateLimiting:PerClientBurst", "0", "RateLimiting:PerClientBurst must be between")]
    [InlineData("ControlPlane:Prefix", "edgeimages", "ControlPlane:Prefix must start and end with '/'")]
    [InlineData("ControlPlane:LeaseTtl", "00:00:01", "ControlPlane:LeaseTtl must be between")]
    [InlineData("ControlPlane:RequestTimeout", "00:01:00", "ControlPlane:RequestTimeout must be between")]
    [InlineData("ControlPlane:MasterKey", "not-hex", "ControlPlane:MasterKey must be the control plane's Secrets:MasterKey")]
    [InlineData("Presets:Thumb", "w:200", "Presets:Thumb: a preset name is 1 to 32 characters")]
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
    public async Task DocumentedSettingsFile_PlaceholdersFilledIn_StartsAnEdge()
    {
        // edge.appsettings.json documents every key; with its two placeholders replaced it is a file the edge accepts.
        await using var app = DocumentedSettingsEdge(new Dictionary<string, string?>
        {
            ["Signing:Keys:k1"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Signing:KeyTenants:k1"] = "demo",
        });

        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public async Task DocumentedSettingsFile_AsShipped_RefusesToStartNamingThePlaceholders()
    {
        // The template carries no usable secret: copied as it is, it stops the edge and says what to fill in.
        await using var app = DocumentedSettingsEdge([]);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Signing:Keys:k1 is still the template's placeholder", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Signing:KeyTenants:k1", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyWithoutTenantBinding_FailsAtStartUp_NamingIt()
    {
        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
        {
            await using var edge = await EdgeServer.StartAsync(new Dictionary<string, string?> { ["Signing:Keys:k9"] = new string('b', 64) });
        });

        Assert.Contains("Signing:KeyTenants:k9 must name the tenants", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "spec's test key k1")]
    [InlineData("636f727265637420686f727365206261747465727920737461706c652c206275742033322b206279746573206c6f6e672121", "spec's test key 2026a")]
    [InlineData("6465762d6f6e6c792d6b65792d646f2d6e6f742d7573652d696e2d70726f6421", "development key")]
    public async Task PublishedSecret_OutsideDevelopment_FailsAtStartUp_NamingTheKey(string secretHex, string named)
    {
        var builder = EdgeApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Production"], new Dictionary<string, string?>
        {
            ["Signing:Keys:mine"] = secretHex,
            ["Signing:KeyTenants:mine"] = "acme",
            ["Originals:Path"] = Path.GetTempPath(),
        });
        await using var app = EdgeApplication.Build(builder);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Signing:Keys:mine is", failure.Message, StringComparison.Ordinal);
        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoStaticKeys_WithControlPlane_IsValid_WithoutIsNot()
    {
        var environment = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Production" };
        var withControlPlane = new SigningHostValidator(environment, Options.Create(new ControlPlaneOptions { Etcd = "http://127.0.0.1:2379" }));
        var without = new SigningHostValidator(environment, Options.Create(new ControlPlaneOptions()));

        Assert.True(withControlPlane.Validate(null, new SigningOptions()).Succeeded);
        Assert.Contains("unless ControlPlane:Etcd is set", without.Validate(null, new SigningOptions()).FailureMessage, StringComparison.Ordinal);
    }

    private static WebApplication DocumentedSettingsEdge(Dictionary<string, string?> overrides)
    {
        var file = Path.Combine(TestImages.RepositoryRoot, "edge.appsettings.json");
        var builder = EdgeApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--environment", "Production"]);
        builder.Configuration.AddJsonFile(file, optional: false);
        overrides["Originals:Path"] = Path.Combine(TestImages.RepositoryRoot, "edge", "originals");
        builder.Configuration.AddInMemoryCollection(overrides);
        return EdgeApplication.Build(builder);
    }
}
