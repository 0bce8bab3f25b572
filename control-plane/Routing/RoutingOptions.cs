using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Routing;

/// <summary>Configuration section <c>Routing</c>: how a client's location is found.</summary>
internal sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>
    /// <c>Routing:Networks:{n}:Cidr|Latitude|Longitude</c>: the operator's own table (office networks, ISPs they peer
    /// with, test ranges). The most specific matching network wins, and the table wins over GeoIP.
    /// </summary>
    public List<NetworkLocation> Networks { get; set; } = [];

    /// <summary>
    /// <c>Routing:GeoIpDatabase</c>: a MaxMind-format (.mmdb) city database, used for addresses the table does not
    /// cover. Empty (the default): the table only, so nothing has to be downloaded to run the control plane.
    /// </summary>
    public string? GeoIpDatabase { get; set; }
}

internal sealed class NetworkLocation
{
    public string Cidr { get; set; } = "";

    public double Latitude { get; set; }

    public double Longitude { get; set; }
}

internal sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Networks.Count; i++)
        {
            var network = options.Networks[i];
            if (!IPNetwork.TryParse(network.Cidr, out _))
            {
                errors.Add($"Routing:Networks:{i}:Cidr '{network.Cidr}' is not a CIDR such as 10.1.0.0/16.");
            }

            if (network.Latitude is < -90 or > 90 || network.Longitude is < -180 or > 180)
            {
                errors.Add($"Routing:Networks:{i}: latitude must be -90 to 90 and longitude -180 to 180.");
            }
        }

        if (options.GeoIpDatabase is { Length: > 0 } path && !File.Exists(path))
        {
            errors.Add($"Routing:GeoIpDatabase: no file at '{path}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
