using System.Net;
using EdgeImages.ControlPlane.Routing;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Tests.Routing;

public sealed class RoutingUnitTests
{
    [Fact]
    public void CidrTable_MostSpecificNetworkWins()
    {
        using var geo = new GeoLocator(Options.Create(new RoutingOptions
        {
            Networks =
            [
                new NetworkLocation { Cidr = "10.0.0.0/8", Latitude = 1, Longitude = 1 },
                new NetworkLocation { Cidr = "10.1.0.0/16", Latitude = 2, Longitude = 2 },
                new NetworkLocation { Cidr = "2001:db8::/32", Latitude = 3, Longitude = 3 },
            ],
        }));
        Assert.Equal(2, geo.Locate(IPAddress.Parse("10.1.2.3"))!.Latitude);
        Assert.Equal(1, geo.Locate(IPAddress.Parse("10.9.2.3"))!.Latitude);
        Assert.Equal(2, geo.Locate(IPAddress.Parse("::ffff:10.1.2.3"))!.Latitude);
        Assert.Equal(3, geo.Locate(IPAddress.Parse("2001:db8::1"))!.Latitude);
        Assert.Null(geo.Locate(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public void Options_BadEntries_AreEachNamed()
    {
        var result = new RoutingOptionsValidator().Validate(null, new RoutingOptions
        {
            Networks = [new NetworkLocation { Cidr = "10.0.0.0/33" }, new NetworkLocation { Cidr = "10.0.0.0/8", Latitude = 91 }],
            GeoIpDatabase = "/nonexistent.mmdb",
        });
        Assert.Contains(result.Failures!, f => f.Contains("Routing:Networks:0:Cidr", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Routing:Networks:1", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Routing:GeoIpDatabase", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(50.11, 8.68, 50.11, 8.68, 0)]
    [InlineData(48.85, 2.35, 50.11, 8.68, 479)]
    [InlineData(40.71, -74.0, 38.95, -77.45, 350)]
    public void Distance_IsGreatCircle(double lat1, double lon1, double lat2, double lon2, double km) =>
        Assert.InRange(Router.DistanceKm(lat1, lon1, lat2, lon2), km - 15, km + 15);
}
