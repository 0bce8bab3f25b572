using EdgeImages.Edge.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;

namespace EdgeImages.Edge.Http;

/// <summary>
/// The image endpoint, and the shortcut that takes an image URL to it without endpoint routing. Every URL of the
/// contract has at least four segments (<c>/{signature}/{options}/{tenant}/{path}</c>) and no other endpoint of the
/// edge has more than one, so such a path is an image request whatever routing would say; it is marked with this
/// endpoint before the first middleware, and answered after the rate limiter without routing, authentication or
/// authorization, which the demo page's Razor Pages bring in and which cost a hit as much as answering it (a DI
/// scope, handler dictionaries, a matcher and route values per request). Every shorter path still goes through
/// routing, whose catch-all is the same handler (so that a short malformed URL is answered 400 as before).
/// </summary>
internal static class ImageRoute
{
    /// <summary>The route template, as spans, metrics and the request log name the image endpoint.</summary>
    public const string Pattern = "/{**imagePath}";

    private const int ImageUrlSlashes = 4;

    /// <summary>Whether <paramref name="path"/> has the four segments of an image URL (at least four '/').</summary>
    public static bool IsImagePath(PathString path) => path.Value is { } value && value.AsSpan().Count('/') >= ImageUrlSlashes;

    /// <summary>The endpoint an image request is marked with, carrying <see cref="ImageEndpointMetadata"/>.</summary>
    public static RouteEndpoint CreateEndpoint(RequestDelegate handler) => new(
        handler,
        RoutePatternFactory.Parse(Pattern),
        order: int.MaxValue,
        // What routing would give its own endpoint: the route that metrics (http.route) and spans name it by.
        new EndpointMetadataCollection(ImageEndpointMetadata.Instance, new RouteDiagnostics()),
        Pattern);

    /// <summary>
    /// First in the pipeline: an image-shaped path gets <paramref name="endpoint"/>, so that every middleware after it
    /// (request log, metrics, rate limiter) sees an image request, and endpoint routing skips the matcher.
    /// </summary>
    public static IApplicationBuilder UseImageRoute(this IApplicationBuilder app, Endpoint endpoint) => app.Use(next => context =>
    {
        if (IsImagePath(context.Request.Path))
        {
            context.SetEndpoint(endpoint);
        }

        return next(context);
    });

    /// <summary>Where the image path leaves the shared pipeline: a request marked with <paramref name="endpoint"/> is answered here.</summary>
    public static IApplicationBuilder UseImageEndpoint(this IApplicationBuilder app, Endpoint endpoint) => app.Use(next => context =>
        ReferenceEquals(context.GetEndpoint(), endpoint) ? endpoint.RequestDelegate!(context) : next(context));

    private sealed class RouteDiagnostics : IRouteDiagnosticsMetadata
    {
        public string Route => Pattern;
    }
}
