using EdgeImages.Testing;
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

    [Theory]
    [InlineData("Origin:Database:MaxPoolSize", "0", "Origin:Database:MaxPoolSize must be between 1 and 1000")]
    [InlineData("Origin:Database:RetryAfter", "00:30:00", "Origin:Database:RetryAfter must be between")]
    [InlineData("Origin:Database:HostRecheck", "00:00:01.500", "Origin:Database:HostRecheck must be a whole number of seconds")]
    [InlineData("Origin:Database:MigrationConnectionString", "Host=a;Nonsense Key=1", "Origin:Database:MigrationConnectionString is not a valid Npgsql connection string")]
    [InlineData("Origin:AdminToken", "", "Origin:AdminToken must be at least 32 characters")]
    [InlineData("Origin:MaxUploadBytes", "0", "Origin:MaxUploadBytes must be between")]
    [InlineData("Origin:Retention:BatchSize", "0", "Origin:Retention:BatchSize must be between")]
    [InlineData("Origin:Retention:MinAge", "-00:00:01", "Origin:Retention:MinAge must be between")]
    [InlineData("Tls:ReloadInterval", "00:00:00.010", "Tls:ReloadInterval must be between")]
    public async Task BadSetting_FailsAtStartUp_NamingTheKey(string key, string value, string expected)
    {
        var message = await StartupFailure.OptionFailuresAsync(() => OriginServer.StartAsync("Host=127.0.0.1;Username=nobody;Database=none", new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }
}
