using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Pipeline;
using EdgeImages.Edge.Presets;
using EdgeImages.Edge.RateLimiting;
using EdgeImages.Edge.Security;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Signing;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Hosting;

/// <summary>
/// Builds the edge: every default registered in one place, options validated at start-up, and the short
/// list of endpoints. Tests call the same two methods, replacing a service between them when they must.
/// </summary>
internal static class EdgeApplication
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var services = builder.Services;

        services.AddSingleton(TimeProvider.System);
        services.AddProblemDetails();

        AddValidatedOptions<SigningOptions, SigningOptionsValidator>(builder, SigningOptions.SectionName);
        AddValidatedOptions<OriginalsOptions, OriginalsOptionsValidator>(builder, OriginalsOptions.SectionName);
        AddValidatedOptions<CacheOptions, CacheOptionsValidator>(builder, CacheOptions.SectionName);
        AddValidatedOptions<TransformLimits, TransformLimitsValidator>(builder, TransformLimits.SectionName);
        AddValidatedOptions<TransformSchedulerOptions, TransformSchedulerOptionsValidator>(builder, TransformLimits.SectionName);
        AddValidatedOptions<ClientRateLimitOptions, ClientRateLimitOptionsValidator>(builder, ClientRateLimitOptions.SectionName);
        builder.Services.AddOptions<PresetOptions>()
            .Configure<IConfiguration>((presets, configuration) =>
            {
                foreach (var preset in configuration.GetSection(PresetOptions.SectionName).GetChildren())
                {
                    presets.Definitions[preset.Key] = preset.Value ?? "";
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PresetOptions>, PresetOptionsValidator>();
        services.AddSingleton<PresetResolver>();
        services.AddRateLimiter(_ => { });
        services.AddClientRateLimiting();

        services.AddSingleton<ISigningKeyProvider>(provider =>
            SigningKeyRingFactory.Create(provider.GetRequiredService<IOptions<SigningOptions>>().Value));
        services.AddSingleton<IOriginalStore, LocalFolderOriginalStore>();
        services.AddSingleton<IVariantCache, MemoryVariantCache>();
        services.AddSingleton<ImageTransformer>();
        services.AddSingleton<TransformScheduler>();
        services.AddSingleton<ImageRequestReader>();
        services.AddSingleton<VariantProducer>();
        services.AddSingleton<ImageResponseWriter>();
        services.AddSingleton<ImageRequestHandler>();

        // The demo page at / is a Razor Page in Demo/, rendered with the SDK's tag helper and signed with the active key
        // taken from the same key ring that verifies.
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
            urls.KeyId = configuration[$"{SigningOptions.SectionName}:ActiveKey"] is { } active && SigningKey.IsValidId(active) ? active : null);
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseMiddleware<ProblemResponseMiddleware>();
        app.UseRateLimiter();

        app.MapRazorPages();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/favicon.ico", () => Results.NoContent());

        // Everything else is an image URL (the page routes above are more specific than this catch-all): /{signature}/{options}/{tenant}/{path}.
        app.Map("/{**imagePath}", (ImageRequestHandler images, HttpContext context) => images.HandleAsync(context));
        return app;
    }

    private static void AddValidatedOptions<TOptions, TValidator>(WebApplicationBuilder builder, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        builder.Services.AddOptions<TOptions>().Bind(builder.Configuration.GetSection(section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }
}
