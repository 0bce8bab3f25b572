using System.Buffers.Text;
using System.Security.Cryptography;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Origin;
using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Pipeline;

/// <summary>
/// Makes a variant on a cache miss: reserves memory for it (waiting its turn among tenants, or shed), fetches
/// the original, then transforms it within the scheduler's slots and deadline (or passes it through untouched
/// for <c>-</c>). The reservation covers the original while it is fetched and held and the decoder's buffers;
/// it is given back once the variant is made, when only the (cached) variant remains.
/// </summary>
internal sealed class VariantProducer(
    IOriginalStore originals,
    ImageTransformer transformer,
    TransformScheduler scheduler,
    MemoryBudget budget,
    NotFoundCache notFound,
    IOptions<OriginalsOptions> originalsOptions,
    EdgeMetrics metrics,
    TimeProvider timeProvider)
{
    public async Task<CachedVariant> ProduceAsync(ImageRequest request, CancellationToken cancellationToken)
    {
        // A missing original already known costs nothing more, not even a place in the memory queue.
        notFound.ThrowIfKnownMissing(request.Original);

        // Before the fetch: a miss that is shed for want of memory or of a transform slot costs the origin nothing.
        using var memory = await budget.ReserveAsync(request.Original.Tenant, cancellationToken).ConfigureAwait(false);
        var fetchStarted = timeProvider.GetTimestamp();
        using var original = await FetchAsync(request.Original, memory, cancellationToken).ConfigureAwait(false);
        var fetch = timeProvider.GetElapsedTime(fetchStarted);

        if (request.Options.IsPassThrough)
        {
            var bytes = original.ToExactArray();
            metrics.VariantProduced(new StageTimings(fetch, default));
            return new CachedVariant(bytes, original.ContentType, ETagOf(bytes), new StageTimings(fetch, default));
        }

        var watermark = request.Watermark is { } mark
            ? new WatermarkOverlay(request.WatermarkImage?.Content ?? throw new InvalidOperationException("The watermark's image was not attached."), mark.Placement)
            : null;
        var image = await scheduler.RunAsync(
            token => transformer.Transform(original.Content, request.Options, request.Accepted, memory, token, watermark),
            cancellationToken).ConfigureAwait(false);
        metrics.VariantProduced(new StageTimings(fetch, image.Timings));
        return new CachedVariant(image.Content, image.ContentType, ETagOf(image.Content), new StageTimings(fetch, image.Timings));
    }

    /// <summary>
    /// An original as stored, for the edge's own use (a tenant's watermark image): under the same negative cache, memory
    /// budget and fetch deadline as any miss, with the version the origin reported for it.
    /// </summary>
    public async Task<(byte[] Content, string ContentType, string Version, StageTimings Timings)> FetchOriginalAsync(
        OriginalKey key, CancellationToken cancellationToken)
    {
        notFound.ThrowIfKnownMissing(key);
        using var memory = await budget.ReserveAsync(key.Tenant, cancellationToken).ConfigureAwait(false);
        var fetchStarted = timeProvider.GetTimestamp();
        using var original = await FetchAsync(key, memory, cancellationToken).ConfigureAwait(false);
        return (original.ToExactArray(), original.ContentType, original.Version, new StageTimings(timeProvider.GetElapsedTime(fetchStarted), default));
    }

    private async Task<Original> FetchAsync(OriginalKey key, MemoryReservation memory, CancellationToken cancellationToken)
    {
        // The store's body reader finds the reservation here; the change stays inside this async call.
        memory.Enter();
        using var timeout = new CancellationTokenSource(originalsOptions.Value.FetchTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            return await originals.FetchAsync(key, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw UpstreamFailureException.Of(OriginFailureKind.Timeout);
        }
    }

    /// <summary>
    /// A strong validator from the bytes themselves: identical bytes give identical tags on every edge,
    /// so a browser revalidating against another PoP still gets its 304.
    /// </summary>
    internal static string ETagOf(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        return $"\"{Base64Url.EncodeToString(hash[..16])}\"";
    }
}
