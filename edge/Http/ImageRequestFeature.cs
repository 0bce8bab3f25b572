using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Pipeline;
using EdgeImages.Telemetry;

namespace EdgeImages.Edge.Http;

/// <summary>
/// What one image request became, typed, on <see cref="HttpContext.Features"/>: the handler fills it as the request
/// goes (the tenant once the signature verified, then the tier and timings of the answer), and the response writer,
/// the request counter and the request log read it. Nobody reads a header back to learn what happened.
/// </summary>
internal interface IImageRequestFeature
{
    /// <summary>The URL's tenant, once its signature verified; null before (a forged URL names nobody).</summary>
    string? Tenant { get; }

    /// <summary>When the verified URL stops working (its <c>exp</c>); null without one, or before the signature verified.</summary>
    DateTimeOffset? ExpiresAt { get; }

    /// <summary>
    /// Where the answer came from. <see cref="CacheTier.Miss"/> until a cache tier answers, so an error is a miss,
    /// as its <c>X-Cache</c> says.
    /// </summary>
    CacheTier Tier { get; }

    /// <summary>Time spent answering from a cache tier: the whole of a hit; zero for a miss, whose time is in <see cref="Stages"/>.</summary>
    TimeSpan CacheLookup { get; }

    /// <summary>What making the variant cost, stage by stage; zero unless this request's answer was made for it (a miss).</summary>
    StageTimings Stages { get; }
}

/// <summary>The one implementation of <see cref="IImageRequestFeature"/>; only the image request handler writes it.</summary>
internal sealed class ImageRequestFeature : IImageRequestFeature, IRequestLogFeature
{
    public string? Tenant { get; private set; }

    public DateTimeOffset? ExpiresAt { get; private set; }

    public CacheTier Tier { get; private set; }

    public TimeSpan CacheLookup { get; private set; }

    public StageTimings Stages { get; private set; }

    string IRequestLogFeature.Cache => EdgeHeaders.XCacheValue(Tier);

    // Fresh hits are the routine answers whose log lines are sampled; misses, stale answers and errors always log.
    bool IRequestLogFeature.IsRoutine => Tier is CacheTier.Memory or CacheTier.Redis;

    /// <summary>The request's feature, made and set on first use.</summary>
    public static ImageRequestFeature Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<IImageRequestFeature>() is ImageRequestFeature existing)
        {
            return existing;
        }

        var feature = new ImageRequestFeature();
        context.Features.Set<IImageRequestFeature>(feature);
        context.Features.Set<IRequestLogFeature>(feature);
        return feature;
    }

    public void Verified(ImageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Tenant = request.Original.Tenant;
        ExpiresAt = request.ExpiresAt;
    }

    /// <summary>A hit spent its time in the cache and none in the stages; a miss reports what making it cost.</summary>
    /// <param name="lookup">The cache's answer.</param>
    /// <param name="elapsed">Time from the cache lookup until the answer.</param>
    public void Answered(CacheLookup lookup, TimeSpan elapsed)
    {
        Tier = lookup.Tier;
        var made = lookup.Tier == CacheTier.Miss;
        CacheLookup = made ? TimeSpan.Zero : elapsed;
        Stages = made ? lookup.Variant.Timings : default;
    }
}
