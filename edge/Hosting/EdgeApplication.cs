using EdgeImages.Edge.Caching;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Edge.Demo;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Origin;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Pipeline;
using EdgeImages.Edge.Presets;
using EdgeImages.Edge.RateLimiting;
using EdgeImages.Edge.Security;
using EdgeImages.Edge.Transforms;
using EdgeImages.Hosting;
using EdgeImages.Hosting.Problems;
using EdgeImages.Hosting.Tls;
using EdgeImages.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Hosting;

/// <summary>
/// Builds the edge: every default registered in one place, options validated at start-up, and the short
/// list of endpoints. Tests call the same two methods, replacing a service between them when they must.
/// </summary>
internal static class EdgeApplication
{
    /// <param name="args">Command-line arguments, as for any ASP.NET Core app.</param>
    /// <param name="settings">Settings layered over every other source before services are chosen (tests use it).</param>
    public static WebApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        var services = builder.Services;

        services.AddSingleton(TimeProvider.System);
        // HTTPS endpoints from Kestrel's configuration (edge.appsettings.json); none in the quick start.
        builder.AddEdgeImagesTls();
        builder.WebHost.ConfigureKestrel(AdmitLongUrls);
        builder.AddEdgeImagesTelemetry(EdgeTelemetry.ServiceName, EdgeTelemetry.Configure);
        services.AddSingleton<EdgeMetrics>();
        // Polly's resilience events (retries, timeouts, breakers opening) as metrics, enriched with the failure's type.
        services.AddResilienceEnricher();
        services.AddProblemDetails();

        builder.Services.AddProblemResponses<EdgeProblems>();

        builder.Services.AddValidatedOptions<SigningOptions, SigningOptionsValidator>(builder.Configuration, SigningOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<SigningOptions>, SigningHostValidator>();
        builder.Services.AddValidatedOptions<OriginalsOptions, OriginalsOptionsValidator>(builder.Configuration, OriginalsOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<OriginalsOptions>, OriginalsFolderValidator>();
        builder.Services.AddValidatedOptions<CacheOptions, CacheOptionsValidator>(builder.Configuration, CacheOptions.SectionName);
        services.AddTransforms();
        builder.Services.AddValidatedOptions<TransformSchedulerOptions, TransformSchedulerOptionsValidator>(builder.Configuration, TransformLimits.SectionName);
        builder.Services.AddValidatedOptions<OriginOptions, OriginOptionsValidator>(builder.Configuration, OriginOptions.SectionName);
        builder.Services.AddValidatedOptions<ClientRateLimitOptions, ClientRateLimitOptionsValidator>(builder.Configuration, ClientRateLimitOptions.SectionName);
        services.AddPresets();
        services.AddClientAddress(builder.Configuration);
        services.AddClientRateLimiting();
        services.AddTenantRateLimiting(builder.Configuration);

        // Signing keys and tenant settings: configuration merged with the control plane's (ControlPlane/), swapped at runtime.
        builder.AddControlPlane();
        AddOriginals(builder);
        AddCacheTiers(builder);
        services.AddSingleton<TransformScheduler>();
        services.AddSingleton<ImageRequestReader>();
        services.AddSingleton<VariantProducer>();
        services.AddSingleton<Watermarks.WatermarkImages>();
        services.AddSingleton<ResponseHeaderValues>();
        services.AddSingleton<VerifiedRequestMemo>();
        services.AddSingleton<ImageRequestHandler>();

        // The demo page is a quick-start aid: a production edge neither signs for it nor tells who its keys sign for.
        if (builder.Environment.IsDevelopment())
        {
            services.AddDemoPage();
        }

        return builder;
    }

    /// <summary>The longest request line (HTTP/1.1) or <c>:path</c> (HTTP/2) Kestrel reads before refusing it itself.</summary>
    private const int MaxRequestLineBytes = 64 * 1024;

    /// <summary>
    /// Lets URLs longer than Kestrel's default 8 KiB reach the URL contract's checks: a path over 1024 bytes is a
    /// <c>400</c> problem, after the signature's <c>403</c> (spec, "Tenant and path"), where Kestrel would answer a
    /// bodiless <c>414</c> of its own. Verifying the MAC of 64 KiB costs microseconds; past that, Kestrel's
    /// <c>414</c> stands. HTTP/2 carries the path as a header field, whose own limit is 16 KiB; there the 32 KiB that all
    /// of a request's headers share is the bound.
    /// </summary>
    private static void AdmitLongUrls(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxRequestLineSize = MaxRequestLineBytes;
        kestrel.Limits.Http2.MaxRequestHeaderFieldSize = MaxRequestLineBytes;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        if (app.Services.GetService<RedisConnection>() is { } redis)
        {
            // Start connecting now, so the first requests find L2 ready rather than paying for the handshake.
            _ = redis.Multiplexer;
        }

        // A plain RequestDelegate on the singleton handler from the root provider: a parameter bound from services would
        // open a DI scope per request. Resolved on the first request, not here, so that bad options still fail at start
        // (with the host's message, not in building the pipeline); a race resolves the same singleton twice.
        var services = app.Services;
        ImageRequestHandler? handler = null;
        RequestDelegate images = context => (handler ??= services.GetRequiredService<ImageRequestHandler>()).HandleAsync(context);
        var imageEndpoint = ImageRoute.CreateEndpoint(images);

        // Image URLs are marked first, so that everything after sees an image request without routing (ImageRoute).
        app.UseImageRoute(imageEndpoint);

        // Next, so that everything after it sees the client's address. Only with a configured proxy: with none, ASP.NET
        // Core's middleware would check no peer at all and believe an X-Forwarded-For from anyone.
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.IsConfigured)
        {
            app.UseForwardedHeaders();
        }

        // Outermost but those, so that the request log and the request counter see what the client got, errors included.
        app.UseEdgeImagesTelemetry();
        // Plain HTTP next to HTTPS answers 308 and nothing else; HTTPS answers carry HSTS.
        app.UseEdgeImagesTls();
        app.UseMiddleware<EdgeRequestMetricsMiddleware>();
        app.UseProblemResponses();
        app.UseMiddleware<ClientRateLimitMiddleware>();
        app.UseImageEndpoint(imageEndpoint);

        // Everything else: routing, and for the demo page the authentication and authorization that Razor Pages register.
        // Called here, the host adds neither at the front of the pipeline, where every image request would pay for them.
        app.UseRouting();
        var registered = app.Services.GetRequiredService<IServiceProviderIsService>();
        if (registered.IsService(typeof(Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider)))
        {
            app.UseAuthentication();
        }

        if (registered.IsService(typeof(Microsoft.AspNetCore.Authorization.Policy.IPolicyEvaluator)))
        {
            app.UseAuthorization();
        }

        if (app.Environment.IsDevelopment())
        {
            app.MapRazorPages();
        }

        app.MapGet("/favicon.ico", () => Results.NoContent());

        // YARP holds the origin cluster (destinations, health probes, load balancing) but proxies no route:
        // mapping it with none loads the cluster and starts its health checks.
        app.MapReverseProxy();

        // Paths too short to be image URLs reach the same handler through routing (more specific routes win over this
        // catch-all), so that they are answered as malformed image URLs: /{signature}/{options}/{tenant}/{path}.
        app.Map(ImageRoute.Pattern, images).WithMetadata(ImageEndpointMetadata.Instance);
        return app;
    }

    /// <summary>
    /// The origin cluster through YARP when <c>Origin:Destinations</c> is set, else the embedded originals
    /// folder of the quick start.
    /// </summary>
    private static void AddOriginals(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(provider => OriginalBuffers.For(provider.GetRequiredService<IOptions<MemoryBudgetOptions>>().Value));
        var origin = new OriginOptions();
        builder.Configuration.GetSection(OriginOptions.SectionName).Bind(origin);
        var proxy = builder.Services.AddReverseProxy();
        if (!origin.IsConfigured)
        {
            proxy.LoadFromMemory([], []);
            builder.Services.AddSingleton<IOriginalStore, LocalFolderOriginalStore>();
            return;
        }

        var clusters = OriginClusterConfig.From(origin);
        proxy.LoadFromMemory([], clusters);
        // The origin's certificate must chain to the deployment CA, and the edge presents its own (mutual TLS).
        builder.Services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, OriginHttpClientFactory>();
        builder.Services.AddSingleton<IOriginalStore, OriginClusterStore>();
        builder.Services.AddOriginPipelines(clusters.Select(cluster => cluster.ClusterId));
        builder.Services.AddHealthChecks().AddCheck<OriginReachabilityHealthCheck>("origin");
    }

    /// <summary>
    /// L1 in memory always; L2 in the region's Redis when <c>Caching:Redis</c> is set, behind a budget and a
    /// breaker so that a slow or dead Redis costs a miss, never an outage.
    /// </summary>
    private static void AddCacheTiers(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<MemoryTier>();
        services.AddSingleton<DistributedTier>();
        services.AddSingleton<NotFoundCache>();
        services.AddSingleton<IVariantCache, TieredVariantCache>();
        services.AddHybridCache(options =>
        {
            // Variants of large originals exceed HybridCache's 1 MiB default; the key holds a 1 KiB path.
            options.MaximumPayloadBytes = 64 * 1024 * 1024;
            options.MaximumKeyLength = 4096;
        }).AddSerializer<CachedVariant, CachedVariantSerializer>();

        var redis = builder.Configuration[$"{CacheOptions.SectionName}:{nameof(CacheOptions.Redis)}"];
        if (string.IsNullOrWhiteSpace(redis))
        {
            return;
        }

        services.AddSingleton<RedisConnection>();
        services.AddRedisPipeline();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        services.AddSingleton<IDistributedCache>(provider =>
        {
            var connection = provider.GetRequiredService<RedisConnection>();
            var redisCache = new RedisCache(Options.Create(new RedisCacheOptions
            {
                ConnectionMultiplexerFactory = () => connection.Multiplexer,
                InstanceName = "edge:",
            }));
            return ActivatorUtilities.CreateInstance<BudgetedDistributedCache>(provider, redisCache);
        });
    }
}
