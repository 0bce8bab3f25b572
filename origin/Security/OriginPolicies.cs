using EdgeImages.Origin.Api;
using EdgeImages.Origin.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace EdgeImages.Origin.Security;

/// <summary>
/// Who may do what: reads need an edge credential; writes and listings an API key of the tenant named in the URL; key
/// management the admin token. 401 means no valid credential for this call (with <c>WWW-Authenticate: Bearer</c>);
/// 403 a valid credential that may not do this.
/// </summary>
internal static class OriginPolicies
{
    public const string Edge = "origin:edge";
    public const string TenantKey = "origin:tenant-key";
    public const string Admin = "origin:admin";

    public static IServiceCollection AddOriginCredentials(this IServiceCollection services)
    {
        services.AddAuthentication(OriginCredentialHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, OriginCredentialHandler>(OriginCredentialHandler.SchemeName, configureOptions: null);
        services.AddAuthorization(options =>
        {
            options.AddPolicy(Edge, policy =>
            {
                policy.AddRequirements(new CredentialRequirement(OriginCredentialHandler.Edge,
                    "Reads need an edge credential (Authorization: Bearer).", "The credential is not an edge credential.", forbiddenIsUnauthorized: true));
                policy.AddRequirements(new EdgeCertificateRequirement());
            });
            options.AddPolicy(TenantKey, policy => policy.AddRequirements(new CredentialRequirement(OriginCredentialHandler.TenantKey,
                "Writes need a tenant API key (Authorization: Bearer).", "Edge credentials and the admin token may only do their own jobs; writes need the tenant's API key.", forbiddenIsUnauthorized: false)));
            options.AddPolicy(Admin, policy => policy.AddRequirements(new CredentialRequirement(OriginCredentialHandler.Admin,
                "Key management needs the admin token.", "Key management needs the admin token.", forbiddenIsUnauthorized: true)));
        });
        services.AddSingleton<IAuthorizationHandler, EdgeCertificateHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, OriginAuthorizationResultHandler>();
        return services;
    }
}

/// <summary>Reads need the edge's client certificate where the origin has a listener that demands one (<see cref="EdgeCertificateHandler"/>).</summary>
internal sealed class EdgeCertificateRequirement : IAuthorizationRequirement;

/// <summary>
/// Reads come over the edges' listener, whose handshake demanded a client certificate chained to the deployment CA
/// (<c>Tls:CaPath</c>; Kestrel refused the connection otherwise): the edge credential alone, say over the tenants'
/// listener, reads nothing. Enforced whenever the origin has a listener with <c>ClientCertificateMode:
/// RequireCertificate</c>; an origin without one (tests that do not concern TLS) takes the credential alone, as before.
/// </summary>
internal sealed class EdgeCertificateHandler(IConfiguration configuration) : AuthorizationHandler<EdgeCertificateRequirement>
{
    // Read at the first request: the endpoints are fixed once the server listens (Kestrel's own reload is off).
    private readonly Lazy<bool> _required = new(() => IsRequired(configuration));

    internal static bool IsRequired(IConfiguration configuration)
    {
        var kestrel = configuration.GetSection("Kestrel");
        return kestrel.GetSection("Endpoints").GetChildren().Append(kestrel.GetSection("EndpointDefaults"))
            .Any(endpoint => string.Equals(endpoint["ClientCertificateMode"], "RequireCertificate", StringComparison.OrdinalIgnoreCase));
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, EdgeCertificateRequirement requirement)
    {
        if (!_required.Value || context.Resource is HttpContext { Connection.ClientCertificate: not null })
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "Reads need the edge's client certificate as well as its credential (mutual TLS, on the edges' listener)."));
        }

        return Task.CompletedTask;
    }
}

/// <summary>The caller holds a credential of <see cref="Kind"/>; a tenant key must also be the URL's tenant's.</summary>
internal sealed class CredentialRequirement(string kind, string missing, string wrongKind, bool forbiddenIsUnauthorized)
    : AuthorizationHandler<CredentialRequirement>, IAuthorizationRequirement
{
    public string Kind { get; } = kind;

    /// <summary>The detail of the 401 when no credential (or none anybody issued) came.</summary>
    public string Missing { get; } = missing;

    /// <summary>True where a valid credential of another kind is answered as no credential at all (401).</summary>
    public bool ForbiddenIsUnauthorized { get; } = forbiddenIsUnauthorized;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CredentialRequirement requirement)
    {
        var kind = context.User.FindFirst(OriginCredentialHandler.KindClaim)?.Value;
        if (kind is null)
        {
            return Task.CompletedTask;
        }

        if (kind == OriginCredentialHandler.Edge && requirement.Kind == OriginCredentialHandler.TenantKey)
        {
            context.Fail(new AuthorizationFailureReason(this, "Edge credentials may only read."));
        }
        else if (kind != requirement.Kind)
        {
            context.Fail(new AuthorizationFailureReason(this, wrongKind));
        }
        else if (kind == OriginCredentialHandler.TenantKey
            && (context.Resource is not HttpContext http
                || !string.Equals(context.User.FindFirst(OriginCredentialHandler.TenantClaim)?.Value, OriginalAddress.RawTenant(http), StringComparison.Ordinal)))
        {
            context.Fail(new AuthorizationFailureReason(this, "The API key belongs to another tenant."));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Answers refusals through the one problem writer, with the detail the policy's requirement gives.</summary>
internal sealed class OriginAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var requirement = policy.Requirements.OfType<CredentialRequirement>().FirstOrDefault();
        if (requirement is not null && authorizeResult.Challenged)
        {
            var presented = context.Request.Headers.Authorization.Count > 0;
            throw OriginProblemException.Unauthorized(presented && requirement.Kind == OriginCredentialHandler.TenantKey ? "The API key is unknown or revoked." : requirement.Missing);
        }

        if (requirement is not null && authorizeResult.Forbidden)
        {
            var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message ?? requirement.Missing;
            throw requirement.ForbiddenIsUnauthorized ? OriginProblemException.Unauthorized(reason) : OriginProblemException.Forbidden(reason);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
