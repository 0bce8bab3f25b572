using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.RateLimiting;

namespace EdgeImages.Edge.Pipeline;

/// <summary>
/// The edge's request path, top to bottom: parse and verify → the tenant's quota → cache lookup → (on a miss) origin
/// fetch and transform → respond. Each arrow is one collaborator; this type only puts them in order, and records
/// what the request became on its <see cref="IImageRequestFeature"/>.
/// </summary>
internal sealed class ImageRequestHandler(
    ImageRequestReader reader,
    TenantRateLimiter tenantQuotas,
    IVariantCache cache,
    VariantProducer producer,
    TimeProvider timeProvider)
{
    // A pinned version never changes; it stays as long as memory and Redis keep it.
    private static readonly TimeSpan PinnedFreshFor = TimeSpan.FromDays(365);

    public async Task HandleAsync(HttpContext context)
    {
        var feature = ImageRequestFeature.Of(context);
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            throw EdgeProblemException.MethodNotAllowed("Images are read with GET or HEAD.");
        }

        var request = reader.Read(context);
        feature.Verified(request.Original.Tenant);

        // Only now is the tenant known to be real: a forged URL never spends a tenant's quota.
        await tenantQuotas.AcquireAsync(request.Original.Tenant, context.RequestAborted).ConfigureAwait(false);

        var started = timeProvider.GetTimestamp();
        var lookup = await cache.GetOrCreateAsync(
            request.CacheKey,
            request.Tags,
            request.Original.Version is null ? request.MaxAge : PinnedFreshFor,
            token => producer.ProduceAsync(request, token),
            context.RequestAborted).ConfigureAwait(false);
        feature.Answered(lookup, timeProvider.GetElapsedTime(started));

        await ImageResponseWriter.WriteAsync(context, request, lookup, timeProvider.GetUtcNow()).ConfigureAwait(false);
    }
}
