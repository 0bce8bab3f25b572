using System.Diagnostics.Metrics;
using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Dashboard;
using EdgeImages.ControlPlane.Diagnostics;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.ControlPlane.Keys;
using EdgeImages.ControlPlane.Leadership;
using EdgeImages.ControlPlane.Purge;
using EdgeImages.ControlPlane.Registry;
using EdgeImages.ControlPlane.Routing;
using EdgeImages.ControlPlane.Tenants;
using EdgeImages.Hosting;
using EdgeImages.Hosting.Problems;
using EdgeImages.Hosting.Tls;
using EdgeImages.Telemetry;
using EdgeImages.Telemetry.Dashboard;

namespace EdgeImages.ControlPlane.Hosting;

/// <summary>
/// Builds the control plane: every service registered in one place, options validated at start-up, and the list of
/// endpoints. Any number of replicas run side by side; all state is in etcd, and the singleton jobs run on the one
/// elected leader. Tests call the same two methods.
/// </summary>
internal static class ControlPlaneApplication
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

        // HTTPS endpoints from Kestrel's configuration, and the deployment CA pinned for the probes and scrapes below.
        builder.AddEdgeImagesTls();
        builder.AddEdgeImagesTelemetry(ControlPlaneTelemetry.ServiceName, ControlPlaneTelemetry.Configure);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        // A body that does not bind throws to the problem middleware, so it too is answered as problem+json.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddOpenApi();
        services.AddHttpClient("probe").ConfigurePrimaryHttpMessageHandler(PinnedHandler);

        builder.Services.AddProblemResponses<ControlPlaneProblems>();

        builder.Services.AddValidatedOptions<EtcdOptions, EtcdOptionsValidator>(builder.Configuration, EtcdOptions.SectionName);
        builder.Services.AddValidatedOptions<SecretsOptions, SecretsOptionsValidator>(builder.Configuration, SecretsOptions.SectionName);
        builder.Services.AddValidatedOptions<AdminOptions, AdminOptionsValidator>(builder.Configuration, AdminOptions.SectionName);
        builder.Services.AddValidatedOptions<RoutingOptions, RoutingOptionsValidator>(builder.Configuration, RoutingOptions.SectionName);
        builder.Services.AddValidatedOptions<LeadershipOptions, LeadershipOptionsValidator>(builder.Configuration, LeadershipOptions.SectionName);

        services.AddSingleton<EtcdStore>();
        services.AddSingleton<ChangeWriter>();
        services.AddSingleton<DocumentReader>();
        services.AddSingleton<ClusterView>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterView>());
        services.AddSingleton<LeaderElection>();
        services.AddHostedService(provider => provider.GetRequiredService<LeaderElection>());
        services.AddHostedService<LeaderJobs>();
        services.AddSingleton<SecretBox>();
        services.AddAdminAuthentication();
        services.AddPurge(builder.Configuration);
        services.AddSingleton<GeoLocator>();
        services.AddSingleton<Router>();

        services.AddSingleton(provider => new ControlPlaneMetrics(provider.GetRequiredService<IMeterFactory>(), () => provider.GetRequiredService<ClusterView>().Current));
        services.AddHealthChecks().AddCheck<EtcdHealthCheck>(EtcdHealthCheck.Name, timeout: EtcdHealthCheck.Timeout);
        services.AddHttpClient(EdgeScraper.ClientName, client => client.Timeout = EdgeScraper.Timeout).ConfigurePrimaryHttpMessageHandler(PinnedHandler);
        services.AddSingleton<EdgeScraper>();
        services.AddSingleton<DashboardStateProvider>();
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        // The meter reads the view at each scrape; resolving it here creates its instruments before the first scrape.
        app.Services.GetRequiredService<ControlPlaneMetrics>();
        // First, so that the request log sees the status the client got. /healthz answers while the process does;
        // /readyz runs the etcd check: a replica cut off from the quorum is taken out of rotation.
        app.UseEdgeImagesTelemetry();
        app.UseEdgeImagesTls();
        app.UseProblemResponses();
        // After the problem writer: a refused call is thrown to it (AdminAuthorizationResultHandler) and answered once.
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        // The page and its assets are public; its state (topology, purges, key ids) needs a platform read key, which the
        // browser presents as the HTTP-only cookie that the sign-in sets.
        var dashboard = app.Services.GetRequiredService<DashboardStateProvider>();
        var dashboardGroup = app.MapEdgeImagesDashboard((_, cancellationToken) => dashboard.GetAsync(cancellationToken));
        dashboardGroup.ExcludeFromDescription();
        dashboardGroup.RequireKeyForState();
        app.MapDashboardSignIn();
        app.MapGet("/v1/leader", (ClusterView view, LeaderElection election) => Results.Ok(new { Leader = view.Current.Leader, Self = election.ReplicaId, election.IsLeader }))
            .WithTags("Registry").WithSummary("The elected replica, as this replica sees it.");

        app.MapRouting();
        app.MapRegistry();
        app.MapSigningKeys();
        app.MapTenants();
        app.MapPurge();
        app.MapAdmin();
        return app;
    }

    /// <summary>
    /// Probes and scrapes of edges and origins: their certificates must chain to the deployment CA (<c>Tls:CaPath</c>),
    /// and this replica presents its own where a listener asks (the origin's edges' listener).
    /// </summary>
    private static HttpMessageHandler PinnedHandler(IServiceProvider services) =>
        PinnedTlsClient.Configure(new SocketsHttpHandler(), services.GetRequiredService<TrustAnchor>(), services.GetRequiredService<CertificateRegistry>());
}
