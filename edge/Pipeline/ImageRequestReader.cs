using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Presets;
using EdgeImages.Edge.Tenants;
using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Watermarks;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Pipeline;

/// <summary>
/// The front door: turns the request line into a verified <see cref="ImageRequest"/> or a 400/403.
/// The order is the contract's: the signature is checked over the raw bytes before anything else in the
/// URL is believed, and with it the key's tenant binding (403: a valid MAC from a key not bound to the URL's
/// tenant, so no quota, cache or origin is touched for it), then options, tenant and path are parsed (400), then
/// <c>exp</c> (403).
/// </summary>
internal sealed class ImageRequestReader(
    ISigningKeyProvider keys,
    PresetResolver presets,
    ITenantSettingsProvider tenants,
    IOptions<CacheOptions> cacheOptions,
    VerifiedRequestMemo memo,
    TimeProvider timeProvider)
{
    /// <summary>The verified request and, unless it waits for a watermark image's version, its cache key.</summary>
    public VerifiedRequest Read(HttpContext context)
    {
        var rawPath = RawPathOf(context);
        var accepted = AcceptedFormats.FromAccept(context.Request.Headers.Accept);
        var cacheDefaults = cacheOptions.Value;
        // This exact URL verified and read before, under the key, tenant settings and cache options still in force:
        // only exp, which depends on the clock, is left to check (VerifiedRequestMemo).
        if (memo.TryGet(rawPath, accepted, keys, tenants, cacheDefaults, out var known))
        {
            if (ExpiryCheck.CheckExpiry(known.UrlOptions, timeProvider.GetUtcNow()) is { } lapsed)
            {
                throw ToProblem(lapsed);
            }

            return new VerifiedRequest(known.Request, known.CacheKey);
        }

        var split = ImageUrl.SplitSignature(rawPath);
        if (!split.IsSuccess)
        {
            throw ToProblem(split.Error!);
        }

        // MAC, then the key's tenants (SigningKey.Tenants): "key not valid for this tenant" is a 403 like a wrong MAC.
        if (SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, keys, out var verifiedBy) is { } signatureError)
        {
            throw ToProblem(signatureError);
        }

        var parsed = ImageUrl.Parse(rawPath);
        if (!parsed.IsSuccess)
        {
            throw ToProblem(parsed.Error!);
        }

        var url = parsed.Value!;
        if (ExpiryCheck.CheckExpiry(url.Options, timeProvider.GetUtcNow()) is { } expired)
        {
            throw ToProblem(expired);
        }

        var tenant = tenants.Get(url.Tenant);
        CheckAllowed(url.Options, tenant);
        var options = presets.Resolve(url.Options, tenant);
        var watermark = WatermarkChoice.Choose(options, tenant);
        var request = new ImageRequest(
            options,
            new OriginalKey(url.Tenant, url.Path, url.Options.Version, tenant.Origin),
            accepted,
            tenant.MaxAge ?? cacheDefaults.MaxAge)
        {
            StaleWhileRevalidate = tenant.StaleWhileRevalidate ?? cacheDefaults.StaleWhileRevalidate,
            StaleIfError = tenant.StaleIfError ?? cacheDefaults.StaleIfError,
            Watermark = watermark,
        };
        // With a watermark the key names its image's version, attached after this; without, it is known now.
        var key = watermark is null ? request.CacheKey : null;
        memo.Remember(rawPath, accepted, new VerifiedRequestMemo.Entry(url.Options, request, key, tenant, cacheDefaults, verifiedBy!));
        return new VerifiedRequest(request, key);
    }

    /// <summary>A tenant may restrict which options its URLs use; the rest are refused even when signed.</summary>
    private static void CheckAllowed(TransformOptions options, TenantSettings tenant)
    {
        if (tenant.AllowedOptions is not { } allowed || options.IsPassThrough)
        {
            return;
        }

        foreach (var option in CanonicalOptions.FormatForUrl(options).Split(','))
        {
            var name = option[..option.IndexOf(':', StringComparison.Ordinal)];
            if (!allowed.Contains(name))
            {
                throw EdgeProblemException.BadRequest($"Option '{name}' is not enabled for this tenant.");
            }
        }
    }

    /// <summary>The path exactly as sent, percent-encoding untouched: what was signed.</summary>
    private static string RawPathOf(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToUriComponent();
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var target = query < 0 ? rawTarget : rawTarget[..query];
        return target.StartsWith('/') ? target : PathOfAbsoluteForm(target);
    }

    /// <summary>
    /// RFC 9112 §3.2.2: a server accepts the absolute form (<c>http://host/path</c>, as sent to proxies), and what was
    /// signed is its path, as raw as in the origin form. Kestrel keeps the whole target raw, so the scheme and authority
    /// are cut here; a target of no path is <c>/</c>.
    /// </summary>
    private static string PathOfAbsoluteForm(string target)
    {
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return target;
        }

        var path = target.IndexOf('/', scheme + 3);
        return path < 0 ? "/" : target[path..];
    }

    private static EdgeProblemException ToProblem(UrlError error) => error.Status == StatusCodes.Status403Forbidden
        ? EdgeProblemException.Forbidden(error.Detail)
        : EdgeProblemException.BadRequest(error.Detail);
}

/// <summary>A verified image request, and its cache key when already known (null: read it from the request).</summary>
internal readonly record struct VerifiedRequest(ImageRequest Request, string? CacheKey);
