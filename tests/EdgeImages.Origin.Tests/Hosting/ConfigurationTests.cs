using Microsoft.Extensions.Options;
using EdgeImages.Origin.Tests.Infrastructure;

namespace EdgeImages.Origin.Tests.Hosting;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Start_WithoutConnectionStringOrEdgeCredentials_FailsNamingEveryKey()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => OriginServer.StartAsync("", new Dictionary<string, string?>
        {
            ["Origin:EdgeCredentials:test-edges"] = "short",
            ["Origin:Database:CommandTimeout"] = "00:00:00.500",
        }));

        var failures = failure is AggregateException aggregate ? aggregate.InnerExceptions : [failure];
        Assert.All(failures, f => Assert.IsType<OptionsValidationException>(f));
        var message = string.Join("\n", failures.Cast<OptionsValidationException>().SelectMany(f => f.Failures));
        Assert.Contains("Origin:Database:ConnectionString", message, StringComparison.Ordinal);
        Assert.Contains("Origin:Database:CommandTimeout", message, StringComparison.Ordinal);
        Assert.Contains("Origin:EdgeCredentials:test-edges", message, StringComparison.Ordinal);
    }
}
