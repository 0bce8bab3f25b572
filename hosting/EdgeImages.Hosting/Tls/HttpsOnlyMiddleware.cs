using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// Plain HTTP on a service that has an HTTPS endpoint answers <c>308 Permanent Redirect</c> to the first HTTPS endpoint's
/// port and nothing else (308, not 301: a client must repeat the method and body). Unlike ASP.NET Core's
/// HttpsRedirection middleware, which serves the request in the clear when it cannot tell the HTTPS port, this never
/// serves content over plain HTTP next to HTTPS. An HTTPS answer carries <c>Strict-Transport-Security</c>
/// (<see cref="TlsOptions.HstsMaxAge"/>), written here rather than by ASP.NET Core's HSTS middleware, which cut the
/// host name out of the <c>Host</c> header, a new string, on every request to compare it with its exclusions.
/// </summary>
internal sealed class HttpsOnlyMiddleware(RequestDelegate next, IServer server, IOptions<TlsOptions> options)
{
    private readonly StringValues _hsts = options.Value.HstsMaxAge > TimeSpan.Zero
        ? new StringValues($"max-age={((long)options.Value.HstsMaxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture)}")
        : StringValues.Empty;

    private int? _httpsPort;
    private bool _resolved;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            if (_hsts.Count > 0 && !IsLocalhost(context.Request.Host))
            {
                context.Response.Headers.StrictTransportSecurity = _hsts;
            }

            return next(context);
        }

        if (HttpsPort() is not { } port)
        {
            return next(context);
        }

        var request = context.Request;
        var host = new HostString(request.Host.Host, port);
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = UriHelper.BuildAbsolute("https", host, request.PathBase, request.Path, request.QueryString);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Browsers ignore HSTS from IP addresses (RFC 6797 §8.1.1); from <c>localhost</c> it would pin a developer's
    /// browser to HTTPS for every local project, so <c>localhost</c> gets none. Read from the header as sent, no copy.
    /// </summary>
    private static bool IsLocalhost(HostString host)
    {
        var value = host.Value.AsSpan();
        // The port follows the last ':' (an IPv6 literal has colons of its own, but is never localhost).
        var colon = value.LastIndexOf(':');
        return (colon < 0 ? value : value[..colon]).Equals("localhost", StringComparison.OrdinalIgnoreCase);
    }

    private int? HttpsPort()
    {
        if (_resolved)
        {
            return _httpsPort;
        }

        // Read at the first request: the addresses are known only once the server listens (port 0 in tests).
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var https = addresses.FirstOrDefault(address => address.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        _httpsPort = https is not null && BindingAddress.Parse(https).Port is var port and > 0 ? port : null;
        _resolved = true;
        return _httpsPort;
    }
}
