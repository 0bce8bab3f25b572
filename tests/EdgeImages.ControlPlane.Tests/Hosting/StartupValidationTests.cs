using EdgeImages.ControlPlane.Hosting;

namespace EdgeImages.ControlPlane.Tests.Admin;

public sealed class StartupValidationTests
{
    [Fact]
    public async Task MissingSettings_StopStartUp_NamingEveryKey()
    {
        var builder = ControlPlaneApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["Etcd:Endpoints"] = "",
            ["Admin:BootstrapKey"] = "short",
            ["Leadership:LeaseTtl"] = "00:00:00.5",
        });
        await using var app = ControlPlaneApplication.Build(builder);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        var failures = failure is AggregateException aggregate ? aggregate.InnerExceptions : [failure];
        var message = string.Join("\n", failures.OfType<Microsoft.Extensions.Options.OptionsValidationException>().SelectMany(f => f.Failures));
        foreach (var key in new[] { "Etcd:Endpoints", "Secrets:MasterKey", "Admin:BootstrapKey", "Leadership:LeaseTtl" })
        {
            Assert.Contains(key, message, StringComparison.Ordinal);
        }
    }
}
