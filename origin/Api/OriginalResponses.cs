using System.Globalization;
using EdgeImages.Origin.Storage;
using Microsoft.Net.Http.Headers;

namespace EdgeImages.Origin.Api;

/// <summary>The headers and bodies the origin answers with, in one place so that PUT and GET cannot disagree.</summary>
internal static class OriginalResponses
{
    public const string VersionHeader = "X-Origin-Version";

    /// <summary>A strong ETag of the content itself: two versions with the same bytes share it, which is what it means.</summary>
    public static string ETagOf(byte[] contentHash) => $"\"{Convert.ToHexStringLower(contentHash)}\"";

    public static string LocationOf(string tenant, OriginalAddress address, string version) =>
        $"/v1/{tenant}/{address.EncodedPath}?version={version}";

    public static void WriteVersionHeaders(HttpResponse response, StoredVersion version, bool pinned)
    {
        response.Headers.ETag = ETagOf(version.ContentHash);
        response.Headers[VersionHeader] = version.Version;
        response.Headers.LastModified = HeaderUtilities.FormatDate(version.CreatedAt);
        // The origin's readers are edges; these say what is safe: a version never changes, the latest may any time.
        response.Headers.CacheControl = pinned ? "public, max-age=31536000, immutable" : "no-cache";
    }

    /// <summary>RFC 9110 If-None-Match: weak comparison, <c>*</c> matches anything.</summary>
    public static bool NoneMatch(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0)
        {
            return false;
        }

        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(etag);
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
    }

    public static object UploadBody(StoredVersion version) => new
    {
        tenant = version.Tenant,
        path = version.Path,
        version = version.Version,
        hash = Convert.ToHexStringLower(version.ContentHash),
        bytes = version.Bytes,
        width = version.Width,
        height = version.Height,
        format = version.Format,
        contentType = version.ContentType,
        createdAt = version.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
    };
}
