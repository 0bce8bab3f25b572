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
internal sealed record CachedVariant(byte[] Content, string ContentType, string ETag, StageTimings Timings)
{
    /// <summary>
    /// When the variant was made (the fill that produced it finished). It travels with the bytes through Redis, so
    /// that every tier answers with a true <c>Age</c> and keeps it fresh for max-age from then, not from its arrival.
    /// </summary>
    public DateTimeOffset MadeAt { get; init; }

    /// <summary>RFC 9111 §5.1: whole seconds since <see cref="MadeAt"/>, never negative (clocks of two edges differ a little).</summary>
    public long AgeSeconds(DateTimeOffset now) => Math.Max(0, (long)(now - MadeAt).TotalSeconds);
}

/// <summary>
/// How long a variant is fresh, and the two RFC 5861 windows after that: while <see cref="StaleWhileRevalidate"/> runs,
/// the stale copy answers at once and one background fill refreshes it; until <see cref="StaleIfError"/> has passed, the
/// stale copy answers when a fill fails the way an origin fails.
/// </summary>
internal readonly record struct Freshness(TimeSpan FreshFor, TimeSpan StaleWhileRevalidate, TimeSpan StaleIfError);

/// <summary>Where a response came from, as <c>X-Cache</c> says it.</summary>
internal enum CacheTier
{
    Miss,
    Memory,
    Redis,
    Stale,
}

internal readonly record struct CacheLookup(CachedVariant Variant, CacheTier Tier);
