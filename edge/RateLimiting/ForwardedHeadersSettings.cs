using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>
/// Which peers may say who the client is, configuration section <c>ForwardedHeaders</c>. Behind a load balancer every
/// connection comes from the balancer, so the per-client limit would be one bucket for everybody; the balancer's
/// <c>X-Forwarded-For</c> names the client. But anybody can send that header, so it is believed only from a peer
/// listed here, hop by hop from the right, and never otherwise: a client cannot pick its own bucket by naming an
/// address. Empty (the default) believes nobody, and the client address is the connection's peer.
/// </summary>
internal sealed class ForwardedHeadersSettings : IValidatableObject
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary><c>ForwardedHeaders:KnownProxies</c>: addresses of proxies (load balancers) trusted to set <c>X-Forwarded-For</c>.</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary><c>ForwardedHeaders:KnownNetworks</c>: networks of such proxies, in CIDR notation (<c>10.0.0.0/8</c>).</summary>
    public IList<string> KnownNetworks { get; } = [];

    public bool IsConfigured => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>
    /// Sets ASP.NET Core's options to exactly this list. Their defaults trust loopback, where every test and the
    /// one-machine topology run: those are cleared, so that nothing is trusted that the operator did not write.
    /// </summary>
    public void ApplyTo(ForwardedHeadersOptions options)
    {
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        // Mind: with both lists empty the middleware checks no peer at all and believes anyone. It is then not used
        // (EdgeApplication), and asked to forward nothing besides.
        options.ForwardedHeaders = IsConfigured ? ForwardedHeaders.XForwardedFor : ForwardedHeaders.None;
        foreach (var proxy in KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        // No fixed hop count: each hop is believed only while the address before it is a listed proxy, so a chain
        // of trusted balancers yields the client and an address a client wrote itself is never reached.
        options.ForwardLimit = null;
    }

    /// <summary>Each entry's syntax, naming the entry by its index (<c>ForwardedHeaders:KnownProxies:2</c>), which an attribute cannot.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return new ValidationResult($"ForwardedHeaders:KnownProxies:{i} ('{KnownProxies[i]}') is not an IP address.", [nameof(KnownProxies)]);
            }
        }

        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(KnownNetworks[i], out _))
            {
                yield return new ValidationResult($"ForwardedHeaders:KnownNetworks:{i} ('{KnownNetworks[i]}') is not a network in CIDR notation, such as 10.0.0.0/8.", [nameof(KnownNetworks)]);
            }
        }
    }
}

/// <summary>Source-generated; the rules are <see cref="ForwardedHeadersSettings.Validate"/>.</summary>
[OptionsValidator]
internal sealed partial class ForwardedHeadersSettingsValidator : IValidateOptions<ForwardedHeadersSettings>;
