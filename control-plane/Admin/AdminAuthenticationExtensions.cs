using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace EdgeImages.ControlPlane.Admin;

internal static class AdminAuthenticationExtensions
{
    /// <summary>Admin API keys as an ASP.NET Core authentication scheme, the scopes as authorization policies.</summary>
    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<AdminKeyValidator>();
        services.AddSingleton<AuthFailureLimiter>();
        services.AddAuthentication(AdminKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorization(AdminPolicies.Add);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AdminAuthorizationResultHandler>();
        return services;
    }
}
