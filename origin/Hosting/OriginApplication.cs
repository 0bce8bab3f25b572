using EdgeImages.Hosting;
using EdgeImages.Hosting.Problems;
using EdgeImages.Hosting.Tls;
using EdgeImages.Origin.Admin;
using EdgeImages.Origin.Api;
using EdgeImages.Origin.Diagnostics;
using EdgeImages.Origin.Http;
using EdgeImages.Origin.Images;
using EdgeImages.Origin.Security;
using EdgeImages.Origin.Storage;
using EdgeImages.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeImages.Origin.Hosting;

/// <summary>
/// Builds the origin: every default registered in one place, options validated at start-up, the schema migrated
/// before the server listens, and the short list of endpoints. Tests call the same two methods.
/// </summary>
internal static class OriginApplication
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var services = builder.Services;

        services.AddSingleton(TimeProvider.System);
        // HTTPS endpoints from Kestrel's configuration: the edges' listener asks for client certificates, the tenants' does not.
        builder.AddEdgeImagesTls();
        builder.AddEdgeImagesTelemetry(OriginTelemetry.ServiceName, OriginTelemetry.Configure);
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>(PostgresHealthCheck.Name, timeout: PostgresHealthCheck.Timeout);
        services.AddProblemDetails();

        builder.Services.AddProblemResponses<OriginProblems>();

        builder.Services.AddValidatedOptions<DatabaseOptions, DatabaseOptionsValidator>(builder.Configuration, DatabaseOptions.SectionName);
        builder.Services.AddValidatedOptions<RetentionOptions, RetentionOptionsValidator>(builder.Configuration, RetentionOptions.SectionName);
        builder.Services.AddValidatedOptions<SecurityOptions, SecurityOptionsValidator>(builder.Configuration, SecurityOptions.SectionName);
        builder.Services.AddValidatedOptions<UploadOptions, UploadOptionsValidator>(builder.Configuration, UploadOptions.SectionName);

        // One pooled data source per node; its timeouts turn an unreachable database into a quick 503.
        services.AddSingleton(provider => new NpgsqlDataSourceBuilder(
                provider.GetRequiredService<IOptions<DatabaseOptions>>().Value.EffectiveConnectionString())
            .UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>())
            .Build());
        services.AddSingleton<SchemaMigrator>();
        services.AddHostedService<SchemaMigrationService>();
        services.AddSingleton<OriginalStore>();
        services.AddSingleton<KeyStore>();
        services.AddSingleton<RetentionCleaner>();
        services.AddHostedService<RetentionService>();

        services.AddOriginCredentials();
        services.AddSingleton<ImageHeaderReader>();
        services.AddSingleton<OriginalHandlers>();
        services.AddSingleton<ListingHandler>();
        services.AddSingleton<KeyManagementHandler>();
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        // Outermost, so that the request log sees what the client got. /healthz never touches the database (a database
        // outage must not get every node restarted); /readyz is PostgreSQL answering.
        app.UseEdgeImagesTelemetry();
        app.UseEdgeImagesTls();
        app.UseProblemResponses();
        // After the problem writer: a refused call is thrown to it and answered once (OriginAuthorizationResultHandler).
        app.UseAuthentication();
        app.UseAuthorization();

        var admin = app.MapGroup("/v1/admin/tenants/{tenant}/keys").RequireAuthorization(OriginPolicies.Admin);
        admin.MapPost("", (KeyManagementHandler keys, HttpContext context, string tenant) => keys.CreateAsync(context, tenant));
        admin.MapDelete("/{keyId}", (KeyManagementHandler keys, HttpContext context, string tenant, string keyId) => keys.RevokeAsync(context, tenant, keyId));

        app.MapGet("/v1/{tenant}", (ListingHandler listing, HttpContext context, string tenant) => listing.ListAsync(context, tenant))
            .RequireAuthorization(OriginPolicies.TenantKey);
        app.MapMethods("/v1/{tenant}/{**path}", [HttpMethods.Get, HttpMethods.Head], (OriginalHandlers originals, HttpContext context) => originals.GetAsync(context))
            .RequireAuthorization(OriginPolicies.Edge);
        app.MapPut("/v1/{tenant}/{**path}", (OriginalHandlers originals, HttpContext context) => originals.PutAsync(context))
            .RequireAuthorization(OriginPolicies.TenantKey);
        app.MapDelete("/v1/{tenant}/{**path}", (OriginalHandlers originals, HttpContext context) => originals.DeleteAsync(context))
            .RequireAuthorization(OriginPolicies.TenantKey);
        return app;
    }
}
