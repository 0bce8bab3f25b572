using System.Security.Claims;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Sdk.Signing;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// Who called, as the authentication handler found them: the actor the audit log records, the key's scopes, and the
/// tenants its scopes reach (every tenant for a platform key). Carried as claims on <see cref="HttpContext.User"/>.
/// </summary>
internal sealed record AdminCaller(string Actor, IReadOnlySet<string> Scopes, KeyTenants Tenants)
{
    private const string ScopeClaim = "edgeimages:scope";
    private const string TenantsClaim = "edgeimages:tenants";

    public bool IsPlatform => Tenants.IsPlatform;

    public ClaimsPrincipal ToPrincipal(string scheme) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, Actor), new Claim(TenantsClaim, Tenants.ToString()), .. Scopes.Select(s => new Claim(ScopeClaim, s))],
        scheme));

    /// <summary>The caller of an authorized endpoint; the policy has run, so the claims are there.</summary>
    public static AdminCaller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var actor = user.FindFirstValue(ClaimTypes.Name) ?? throw new InvalidOperationException("the endpoint has no admin authorization policy");
        return new AdminCaller(
            actor,
            user.FindAll(ScopeClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
            KeyTenants.Parse(user.FindFirstValue(TenantsClaim)));
    }

    public bool Grants(string scope) => Admin.Scopes.Grants([.. Scopes], scope);

    public bool Reaches(string tenant) => Tenants.Allows(tenant);

    /// <summary>403 unless the key's scopes reach <paramref name="tenant"/>.</summary>
    public void RequireTenant(string tenant)
    {
        if (!Reaches(tenant))
        {
            throw ControlPlaneProblemException.Forbidden($"This API key is not valid for tenant '{(Sdk.Urls.ImagePaths.ValidateTenant(tenant) is null ? tenant : "?")}'.");
        }
    }

    /// <summary>403 unless this is a platform key: quotas, limits, the origin binding and the topology are the platform's.</summary>
    public void RequirePlatform(string what)
    {
        if (!IsPlatform)
        {
            throw ControlPlaneProblemException.Forbidden($"Only a platform API key (one not limited to tenants) may {what}.");
        }
    }
}
