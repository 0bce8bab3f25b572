using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeImages.Edge.RateLimiting;

/// <summary>
/// Applies the tenant's quota on the image endpoint. The tenant is in the URL, so it is believed only once the
/// signature verifies: otherwise anyone could spend a tenant's quota with forged URLs. A URL that fails to
/// split, verify or parse is let through untouched, for the request reader to refuse with its own 400/403.
/// </summary>
/// <remarks>
/// This verifies the signature a second time (the reader does it again): an HMAC over about a hundred
/// bytes, about a microsecond, traded for keeping the request path's steps unchanged. If the reader ever
/// exposes the verified request on the context, this filter should take the tenant from there.
/// </remarks>
internal sealed class TenantRateLimitFilter(ISigningKeyProvider keys, TenantRateLimiter limiter) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (VerifiedTenantOf(context.HttpContext) is { } tenant)
        {
            await limiter.AcquireAsync(tenant, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }

        return await next(context).ConfigureAwait(false);
    }

    private string? VerifiedTenantOf(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToUriComponent();
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = query < 0 ? rawTarget : rawTarget[..query];

        var split = ImageUrl.SplitSignature(rawPath);
        if (!split.IsSuccess || SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, keys) is not null)
        {
            return null;
        }

        var parsed = ImageUrl.Parse(rawPath);
        return parsed.IsSuccess ? parsed.Value!.Tenant : null;
    }
}
