using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.RateLimiting;
using EdgeImages.Edge.Watermarks;
using EdgeImages.Telemetry;

namespace EdgeImages.Edge.Pipeline;

/// <summary>
/// The edge's request path, top to bottom: parse and verify → cache lookup → (on a miss) the tenant's quota, origin
/// fetch and transform → respond. Each arrow is one collaborator; this type only puts them in order, and records
/// what the request became on its <see cref="IImageRequestFeature"/>.
/// </summary>
internal sealed class ImageRequestHandler(
    ImageRequestReader reader,
    TenantRateLimiter tenantQuotas,
    IVariantCache cache,
    VariantProducer producer,
    WatermarkImages watermarks,
    ResponseHeaderValues headerValues,
    TimeProvider timeProvider)
{
    public async Task HandleAsync(HttpContext context)
    {
        var feature = ImageRequestFeature.Of(context);
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            ImageResponseWriter.WriteOptions(context.Response);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            throw EdgeProblemException.MethodNotAllowed("Images are read with GET or HEAD.");
        }

        var (request, key) = reader.Read(context);
        feature.Verified(request);
        if (request.Watermark is not null)
        {
            // The watermark's image version is part of the variant's key, so it is found before the lookup.
            request = await watermarks.AttachAsync(request, context.RequestAborted).ConfigureAwait(false);
            key = null;
        }

        key ??= request.CacheKey;
        var started = timeProvider.GetTimestamp();
        // A fresh copy in memory answers without a fill's closure or a task: most of an edge's answers.
        if (!cache.TryGetFresh(key, out var lookup))
        {
            lookup = await LookupAsync(context, request, key).ConfigureAwait(false);
        }

        feature.Answered(lookup, timeProvider.GetElapsedTime(started));
        if (lookup.Tier is not (CacheTier.Memory or CacheTier.Redis))
        {
            // Misses (this request's, or a fill it joined) and stale answers are traced always; fresh hits at the ratio.
            RequestTrace.Keep(context);
        }

        await ImageResponseWriter.WriteAsync(context, feature, request, lookup, timeProvider.GetUtcNow(), headerValues).ConfigureAwait(false);
    }

    private ValueTask<CacheLookup> LookupAsync(HttpContext context, ImageRequest request, string key)
    {
        // The trace is bound now: the fill may start or run on after this request (others join it).
        var keepTrace = RequestTrace.KeeperFor(context);
        return cache.GetOrCreateAsync(key, request.Tags, request.Freshness, token => MakeAsync(keepTrace, request, token), context.RequestAborted);
    }

    /// <summary>
    /// A miss: the tenant's quota pays for the work (a fetch and a transform), once per fill however many requests
    /// joined it. Hits never spend it, so replaying a cached URL cannot starve the tenant's visitors (the per-client
    /// limit bounds the replay); and only a verified URL gets here, so a forged one never spends it either.
    /// </summary>
    private async Task<CachedVariant> MakeAsync(Action keepTrace, ImageRequest request, CancellationToken cancellationToken)
    {
        // Kept before the fetch, so that the origin request's span and its traceparent are sampled too (an unsampled
        // request gets its server span here, and it is Activity.Current for the fetch and the transform).
        keepTrace();
        await tenantQuotas.AcquireAsync(request.Original.Tenant, cancellationToken).ConfigureAwait(false);
        return await producer.ProduceAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
