using System.Net;
using MaxMind.Db;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Routing;

internal sealed record GeoLocation(double Latitude, double Longitude, string Source);

/// <summary>
/// A client's location: the configured CIDR table first (most specific network wins), then the MaxMind database
/// when one is configured (its <c>location.latitude</c>/<c>location.longitude</c>, as in GeoLite2/GeoIP2 City).
/// </summary>
internal sealed class GeoLocator : IDisposable
{
    private readonly (IPNetwork Network, GeoLocation Location)[] _table;
    private readonly Reader? _reader;

    public GeoLocator(IOptions<RoutingOptions> options)
    {
        _table = [.. options.Value.Networks
            .Select(n => (Network: IPNetwork.Parse(n.Cidr), Location: new GeoLocation(n.Latitude, n.Longitude, "cidr:" + n.Cidr)))
            .OrderByDescending(n => n.Network.PrefixLength)];
        if (options.Value.GeoIpDatabase is { Length: > 0 } path)
        {
            // Memory-mapped: the database is shared by every request and read without locks.
            _reader = new Reader(path, FileAccessMode.MemoryMapped);
        }
    }

    public GeoLocation? Locate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var (network, configured) in _table)
        {
            if (network.Contains(address))
            {
                return configured;
            }
        }

        if (_reader?.Find<Dictionary<string, object>>(address) is { } record
            && record.TryGetValue("location", out var value) && value is Dictionary<string, object> location
            && location.TryGetValue("latitude", out var latitude) && location.TryGetValue("longitude", out var longitude))
        {
            return new GeoLocation(Convert.ToDouble(latitude, System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToDouble(longitude, System.Globalization.CultureInfo.InvariantCulture), "geoip");
        }

        return null;
    }

    public void Dispose() => _reader?.Dispose();
}
