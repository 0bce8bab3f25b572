using System.ComponentModel;
using EdgeImages.Edge.Diagnostics;

namespace EdgeImages.Edge.Caching;

/// <summary>One encoded response body and what its headers need, as the cache keeps it.</summary>
/// <param name="Content">The bytes on the wire.</param>
/// <param name="ContentType">The media type of <paramref name="Content"/>.</param>
/// <param name="ETag">A strong entity tag of <paramref name="Content"/>, quoted.</param>
/// <param name="Timings">How long this variant took to make; only meaningful on the response that made it.</param>
/// <remarks>
/// Immutable by contract (nothing writes to <paramref name="Content"/> after creation), and marked so: HybridCache
/// then hands back this instance instead of a deserialized copy of every body it stores.
/// </remarks>
[ImmutableObject(true)]
internal sealed record CachedVariant(byte[] Content, string ContentType, string ETag, StageTimings Timings);

/// <summary>Where a response came from, as <c>X-Cache</c> says it.</summary>
internal enum CacheTier
{
    Miss,
    Memory,
    Redis,
    Stale,
}

internal readonly record struct CacheLookup(CachedVariant Variant, CacheTier Tier);
