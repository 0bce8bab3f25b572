using EdgeImages.Edge.Hosting;
using EdgeImages.Edge.Security;
using EdgeImages.Sdk.Signing;
using Microsoft.AspNetCore.Mvc.ApplicationParts;

namespace EdgeImages.Edge.Demo;

internal static class DemoServiceCollectionExtensions
{
    /// <summary>
    /// The demo page at <c>/</c>: a Razor Page in Demo/, written with the SDK's tag helper and signed with the active
    /// key taken from the same key ring that verifies.
    /// </summary>
    public static IServiceCollection AddDemoPage(this IServiceCollection services)
    {
        services.AddRazorPages(razor => razor.RootDirectory = "/Demo")
            .ConfigureApplicationPartManager(parts =>
            {
                // Pages are found in the entry assembly's parts; when a test host is the entry assembly, add the edge's.
                var edge = typeof(EdgeApplication).Assembly;
                if (!parts.ApplicationParts.OfType<AssemblyPart>().Any(part => part.Assembly == edge))
                {
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(edge).GetApplicationParts(edge))
                    {
                        parts.ApplicationParts.Add(part);
                    }
                }
            });

        // Read from configuration rather than IOptions<SigningOptions>: a bad Signing section must fail start-up once,
        // with the signing validator's message, not again through these options. The key itself comes from the ring.
        services.AddEdgeImages().Configure<IConfiguration>((urls, configuration) =>
        {
            urls.KeyId = configuration[$"{SigningOptions.SectionName}:ActiveKey"] is { } active && SigningKey.IsValidId(active) ? active : null;

            // The page's placeholders come from this edge itself (f:json at its own address), and the first one of a photo
            // is a decode on a machine that may be busy: a demo waits for it rather than showing none. A site would keep
            // the SDK's short default.
            urls.Info.Timeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }
}
