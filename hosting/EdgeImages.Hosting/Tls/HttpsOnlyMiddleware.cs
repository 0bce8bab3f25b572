using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace EdgeImages.Hosting.Tls;

/// <summary>
/// Plain HTTP on a service that has an HTTPS endpoint answers <c>308 Permanent Redirect</c> to the first HTTPS endpoint's
/// port and nothing else (308, not 301: a client must repeat the method and body). Unlike ASP.NET Core's
/// HttpsRedirection middleware, which serves the request in the clear when it cannot tell the HTTPS port, this never
/// serves content over plain HTTP next to HTTPS.
/// </summary>
internal sealed class HttpsOnlyMiddleware(RequestDelegate next, IServer server)
{
    private int? _httpsPort;
    private bool _resolved;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps || HttpsPort() is not { } port)
        {
            return next(context);
        }

        var request = context.Request;
        var host = new HostString(request.Host.Host, port);
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = UriHelper.BuildAbsolute("https", host, request.PathBase, request.Path, request.QueryString);
        return Task.CompletedTask;
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
