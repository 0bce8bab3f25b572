using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Routing;

/// <summary>Configuration section <c>Routing</c>: how a client's location is found.</summary>
internal sealed class RoutingOptions : IValidatableObject
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

    /// <summary>
    /// Every rule here names an entry by its index (<c>Routing:Networks:3:Cidr</c>), which an attribute on
    /// <see cref="NetworkLocation"/> cannot know, or asks the file system.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Networks.Count; i++)
        {
            var network = Networks[i];
            if (!IPNetwork.TryParse(network.Cidr, out _))
            {
                yield return new ValidationResult($"Routing:Networks:{i}:Cidr '{network.Cidr}' is not a CIDR such as 10.1.0.0/16.", [nameof(Networks)]);
            }

            if (network.Latitude is < -90 or > 90 || network.Longitude is < -180 or > 180)
            {
                yield return new ValidationResult($"Routing:Networks:{i}: latitude must be -90 to 90 and longitude -180 to 180.", [nameof(Networks)]);
            }
        }

        if (GeoIpDatabase is { Length: > 0 } path && !File.Exists(path))
        {
            yield return new ValidationResult($"Routing:GeoIpDatabase: no file at '{path}'.", [nameof(GeoIpDatabase)]);
        }
    }
}

internal sealed class NetworkLocation
{
    public string Cidr { get; set; } = "";

    public double Latitude { get; set; }

    public double Longitude { get; set; }
}

/// <summary>Source-generated; the rules are <see cref="RoutingOptions.Validate"/>.</summary>
[OptionsValidator]
internal sealed partial class RoutingOptionsValidator : IValidateOptions<RoutingOptions>;
