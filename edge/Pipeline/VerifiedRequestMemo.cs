using System.Collections.Concurrent;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tenants;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Pipeline;

/// <summary>
/// What a signed URL was read into, by its exact raw path (signature included) and what <c>Accept</c> said: the
/// request and its cache key. Verifying the MAC, parsing the options, decoding the path and building the key cost a
/// memory hit more than answering it, and an edge is asked for the same few thousand URLs again and again. Only URLs
/// that verified get in, with the key object that verified them, so forged ones cannot fill it; an entry is used only
/// while that key, the tenant's settings and the cache options are still the very objects in force (each is swapped
/// whole on a change, so a rotated, retired or rebound key, a new preset, watermark or max-age applies from the next
/// request). The same string under the same key verifies the same, so looking it up is verifying it; <c>exp</c>
/// depends on the clock and is checked on every request. Past <see cref="MaxEntries"/> it starts over (a hot set
/// refills in one request per URL).
/// </summary>
internal sealed class VerifiedRequestMemo
{
    // About 2-3 KB an entry (path, key, request, options): a few tens of MB at most, for more URLs than an edge's hot set.
    internal const int MaxEntries = 16_384;

    private readonly ConcurrentDictionary<(string RawPath, AcceptedFormats Accepted), Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(string rawPath, AcceptedFormats accepted, ISigningKeyProvider keys, ITenantSettingsProvider tenants, CacheOptions options, out Entry entry)
    {
        // The dictionary compares a forged path with a remembered one only when their randomized hash codes are equal,
        // so its timing tells an attacker nothing about a MAC; a path not found is verified in full by the reader.
        if (_entries.TryGetValue((rawPath, accepted), out entry!)
            && ReferenceEquals(entry.Options, options)
            && keys.TryGetKey(entry.VerifiedBy.Id, out var key) && ReferenceEquals(key, entry.VerifiedBy)
            && ReferenceEquals(tenants.Get(entry.Request.Original.Tenant), entry.Tenant))
        {
            return true;
        }

        entry = null!;
        return false;
    }

    public void Remember(string rawPath, AcceptedFormats accepted, Entry entry)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[(rawPath, accepted)] = entry;
    }

    /// <param name="UrlOptions">The options as the URL wrote them, whose <c>exp</c> is checked on every request.</param>
    /// <param name="Request">The request as read, before any watermark image is attached.</param>
    /// <param name="CacheKey">Its cache key, or null when it depends on the watermark image's version, known only later.</param>
    /// <param name="Tenant">The tenant settings it was read with.</param>
    /// <param name="Options">The cache options it was read with.</param>
    /// <param name="VerifiedBy">The signing key that verified its signature.</param>
    internal sealed record Entry(TransformOptions UrlOptions, ImageRequest Request, string? CacheKey, TenantSettings Tenant, CacheOptions Options, SigningKey VerifiedBy);
}
