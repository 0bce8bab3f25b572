using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;

namespace EdgeImages.Edge.Pipeline;

/// <summary>
/// The edge's request path, top to bottom: parse and verify → cache lookup → (on a miss) origin fetch and
/// transform → respond. Each arrow is one collaborator; this type only puts them in order.
/// </summary>
internal sealed class ImageRequestHandler(
    ImageRequestReader reader,
    IVariantCache cache,
    VariantProducer producer,
    TimeProvider timeProvider)
{
    // A pinned version never changes; it stays as long as memory and Redis keep it.
    private static readonly TimeSpan PinnedFreshFor = TimeSpan.FromDays(365);

    public async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            throw EdgeProblemException.MethodNotAllowed("Images are read with GET or HEAD.");
        }

        var request = reader.Read(context);

        var started = timeProvider.GetTimestamp();
        var lookup = await cache.GetOrCreateAsync(
            request.CacheKey,
            request.Tags,
            request.Original.Version is null ? request.MaxAge : PinnedFreshFor,
            token => producer.ProduceAsync(request, token),
            context.RequestAborted).ConfigureAwait(false);

        await ImageResponseWriter.WriteAsync(context, request, lookup, timeProvider.GetElapsedTime(started)).ConfigureAwait(false);
    }
}
