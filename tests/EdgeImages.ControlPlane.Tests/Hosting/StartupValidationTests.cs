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
        var message = await StartupFailure.OptionFailuresAsync(() => app.StartAsync());
        foreach (var key in new[] { "Etcd:Endpoints", "Secrets:MasterKey", "Admin:BootstrapKey", "Leadership:LeaseTtl" })
        {
            Assert.Contains(key, message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Etcd:RequestTimeout", "00:01:00", "Etcd:RequestTimeout must be between")]
    [InlineData("Etcd:Prefix", "edgeimages", "Etcd:Prefix must start and end with '/'")]
    [InlineData("Etcd:Endpoints", "http://127.0.0.1:2379,not a url", "Etcd:Endpoints: 'not a url' is not an http(s)://host:port URL")]
    [InlineData("Routing:Networks:0:Cidr", "10.0.0.0/33", "Routing:Networks:0:Cidr")]
    [InlineData("Routing:GeoIpDatabase", "/no/such/city.mmdb", "Routing:GeoIpDatabase")]
    [InlineData("Purge:Burst", "0", "Purge:Burst must be between 1 and 100000")]
    [InlineData("Leadership:ProbeInterval", "00:00:00.100", "Leadership:ProbeInterval must be between")]
    [InlineData("Admin:AuthFailuresPerMinute", "0", "Admin:AuthFailuresPerMinute must be between 1 and 10000")]
    [InlineData("Tls:ReloadInterval", "02:00:00", "Tls:ReloadInterval must be between")]
    public async Task BadSetting_StopsStartUp_NamingTheKey(string key, string value, string expected)
    {
        // Kestrel's TLS settings are read as the host is built; the rest as it starts.
        var message = await StartupFailure.OptionFailuresAsync(async () =>
        {
            var builder = ControlPlaneApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?> { [key] = value });
            await using var app = ControlPlaneApplication.Build(builder);
            await app.StartAsync();
        });

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }
}
