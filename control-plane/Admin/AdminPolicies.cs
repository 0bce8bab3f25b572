using Microsoft.AspNetCore.Authorization;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// The authorization policies of the admin API, one per scope, and each again for platform keys only. A policy checks
/// what can be known before the endpoint runs (the scope, and whether the key is a platform key); an endpoint whose
/// resource belongs to a tenant then checks that tenant with <see cref="AdminCaller.RequireTenant"/>.
/// </summary>
internal static class AdminPolicies
{
    public const string Read = "scope:read";
    public const string Purge = "scope:purge";
    public const string Keys = "scope:keys";
    public const string Tenants = "scope:tenants";
    public const string Admin = "scope:admin";

    /// <summary>Read, for what belongs to no tenant: topology, health, the dashboard.</summary>
    public const string PlatformRead = "platform:read";

    public static void Add(AuthorizationOptions options)
    {
        Add(options, Read, new ScopeRequirement(Scopes.Read, platformOnly: false));
        Add(options, Purge, new ScopeRequirement(Scopes.Purge, platformOnly: false));
        Add(options, Keys, new ScopeRequirement(Scopes.Keys, platformOnly: false));
        Add(options, Tenants, new ScopeRequirement(Scopes.Tenants, platformOnly: false));
        // A key limited to tenants never holds the admin scope (creation refuses it), so this is platform-only too.
        Add(options, Admin, new ScopeRequirement(Scopes.Admin, platformOnly: true));
        Add(options, PlatformRead, new ScopeRequirement(Scopes.Read, platformOnly: true));
    }

    private static void Add(AuthorizationOptions options, string name, ScopeRequirement requirement) =>
        options.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(AdminKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(requirement));
}

/// <summary>The key holds <see cref="Scope"/> (or <c>admin</c>), and is a platform key when <see cref="PlatformOnly"/>.</summary>
internal sealed class ScopeRequirement(string scope, bool platformOnly) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public string Scope { get; } = scope;

    public bool PlatformOnly { get; } = platformOnly;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        var caller = AdminCaller.From(context.User);
        if (!caller.Grants(requirement.Scope))
        {
            context.Fail(new AuthorizationFailureReason(this, $"This API key lacks the '{requirement.Scope}' scope."));
        }
        else if (requirement.PlatformOnly && !caller.IsPlatform)
        {
            context.Fail(new AuthorizationFailureReason(this, "This API key is limited to tenants; this needs a platform key."));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
