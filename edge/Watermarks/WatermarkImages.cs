using System.Buffers;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Pipeline;

namespace EdgeImages.Edge.Watermarks;

/// <summary>
/// Finds the image of the watermark a request gets, before its variant is looked up: the version the origin reports
/// for that image is part of the variant's cache key, so a new watermark image (or a new choice of watermark) is a new
/// key and no variant made with the old one is served. The image is kept like a variant, in the same tiers, under the
/// tags of its own original: one fetch per tenant's max-age however many variants use it, and a purge of the image
/// evicts it together with every variant carrying its tags (<see cref="ImageRequest.Tags"/>).
/// </summary>
internal sealed class WatermarkImages(IVariantCache cache, VariantProducer producer)
{
    // Variant keys begin with a tenant id, which has no '|': no key of a watermark image can equal one of a variant.
    private const string KeyPrefix = "wm|";

    private static readonly SearchValues<char> VersionCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary><paramref name="request"/> with the image of its watermark, or as it is when it gets none.</summary>
    public async Task<ImageRequest> AttachAsync(ImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Watermark is not { } watermark)
        {
            return request;
        }

        var tenant = request.Original.Tenant;
        var original = new OriginalKey(tenant, watermark.Path, Version: null, request.Original.Origin);
        // Fresh for the tenant's max-age like any unversioned original, stale windows included, even for a pinned
        // variant: the pin is the photo's, not the watermark's.
        var freshness = new Freshness(request.MaxAge, request.StaleWhileRevalidate, request.StaleIfError);
        var lookup = await cache.GetOrCreateAsync(
            $"{KeyPrefix}{tenant}/{watermark.Path}",
            CacheTags.For(tenant, watermark.Path),
            freshness,
            token => FetchAsync(original, token),
            cancellationToken).ConfigureAwait(false);
        var variant = lookup.Variant;
        return request with { WatermarkImage = new WatermarkImage(variant.ETag.Trim('"'), variant.Content) };
    }

    /// <summary>
    /// The image as stored, kept as a variant whose entity tag is the origin's version of it (or a hash of the bytes when
    /// the origin reports none that fits in a key): what the variants' keys name.
    /// </summary>
    private async Task<CachedVariant> FetchAsync(OriginalKey key, CancellationToken cancellationToken)
    {
        try
        {
            var (content, contentType, version, timings) = await producer.FetchOriginalAsync(key, cancellationToken).ConfigureAwait(false);
            var tag = IsKeyable(version) ? $"\"{version}\"" : VariantProducer.ETagOf(content);
            return new CachedVariant(content, contentType, tag, timings);
        }
        catch (EdgeProblemException problem) when (problem.Status is StatusCodes.Status404NotFound or StatusCodes.Status413PayloadTooLarge)
        {
            // The visitor's photo is fine; what fails is the tenant's configured watermark image (missing, or beyond the
            // byte limit), so neither a 404 nor a 413 of the photo would be true.
            throw new EdgeProblemException(StatusCodes.Status502BadGateway, "Bad gateway", "The tenant's watermark image cannot be fetched from its origin.");
        }
    }

    private static bool IsKeyable(string? version) =>
        version is { Length: > 0 and <= 64 } && version.AsSpan().IndexOfAnyExcept(VersionCharacters) < 0;
}
