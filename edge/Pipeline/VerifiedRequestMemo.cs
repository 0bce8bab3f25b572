using System.Collections.Concurrent;
using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Tenants;
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Pipeline;

/// <summary>
/// What a signed URL was read into, by its exact raw path and what <c>Accept</c> said: the request and its cache key.
/// Parsing the options, decoding the path and building the key cost a memory hit more than answering it, and an edge
/// is asked for the same few thousand URLs again and again. Only the parse is remembered: the signature is verified
/// and <c>exp</c> checked on every request before this is consulted, and an entry is used only while the tenant's
/// settings and the cache options it was made from are still the ones in force (both are swapped whole on a change),
/// so a new preset, watermark or max-age applies from the next request. Only verified URLs get in, so forged ones
/// cannot fill it; past <see cref="MaxEntries"/> it starts over (a hot set refills in one request per URL).
/// </summary>
internal sealed class VerifiedRequestMemo
{
    // About 2-3 KB an entry (path, key, request, options): a few tens of MB at most, for more URLs than an edge's hot set.
    internal const int MaxEntries = 16_384;

    private readonly ConcurrentDictionary<(string RawPath, AcceptedFormats Accepted), Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(string rawPath, AcceptedFormats accepted, ITenantSettingsProvider tenants, CacheOptions options, out Entry entry)
    {
        if (_entries.TryGetValue((rawPath, accepted), out entry!)
            && ReferenceEquals(entry.Options, options)
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
    internal sealed record Entry(TransformOptions UrlOptions, ImageRequest Request, string? CacheKey, TenantSettings Tenant, CacheOptions Options);
}
