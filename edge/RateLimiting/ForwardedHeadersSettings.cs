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
internal sealed class ForwardedHeadersSettings
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
}

internal sealed class ForwardedHeadersSettingsValidator : IValidateOptions<ForwardedHeadersSettings>
{
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(options.KnownProxies[i], out _))
            {
                errors.Add($"ForwardedHeaders:KnownProxies:{i} ('{options.KnownProxies[i]}') is not an IP address.");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(options.KnownNetworks[i], out _))
            {
                errors.Add($"ForwardedHeaders:KnownNetworks:{i} ('{options.KnownNetworks[i]}') is not a network in CIDR notation, such as 10.0.0.0/8.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
