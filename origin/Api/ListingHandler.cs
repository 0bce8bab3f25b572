using System.Buffers.Text;
using System.Globalization;
using System.Text;
using EdgeImages.Origin.Http;
using EdgeImages.Origin.Security;
using EdgeImages.Origin.Storage;

namespace EdgeImages.Origin.Api;

/// <summary>
/// <c>GET /v1/{tenant}?prefix=&amp;limit=&amp;cursor=</c>: a tenant's live originals by path, a page at a time.
/// The cursor is the last path of the page (base64url of its UTF-8): opaque to clients, and stable, since the next
/// page starts strictly after it whatever was added or deleted meanwhile.
/// </summary>
internal sealed class ListingHandler(OriginalStore store)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public async Task ListAsync(HttpContext context, string tenant)
    {
        var cancellationToken = context.RequestAborted;
        OriginalAddress.CheckTenant(tenant);
        var query = context.Request.Query;
        var prefix = Single(query, "prefix") ?? "";
        if (Encoding.UTF8.GetByteCount(prefix) > OriginalAddress.MaxPathBytes || prefix.Any(char.IsControl))
        {
            throw OriginProblemException.BadRequest($"prefix must be at most {OriginalAddress.MaxPathBytes} bytes without control characters.");
        }

        var limit = DefaultLimit;
        if (Single(query, "limit") is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            throw OriginProblemException.BadRequest($"limit must be 1 to {MaxLimit}.");
        }

        var after = Single(query, "cursor") is { } cursor ? DecodeCursor(cursor) : "";
        var rows = await store.ListAsync(tenant, prefix, after, limit + 1, cancellationToken).ConfigureAwait(false);
        var page = rows.Take(limit).ToList();
        var nextCursor = rows.Count > limit ? EncodeCursor(page[^1].Path) : null;

        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(
            new
            {
                items = page.Select(item => new
                {
                    path = item.Path,
                    version = item.Version,
                    bytes = item.Bytes,
                    width = item.Width,
                    height = item.Height,
                    format = item.Format,
                    updatedAt = item.UpdatedAt,
                }),
                nextCursor,
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        return values.Count == 1 ? values[0] : throw OriginProblemException.BadRequest($"{name} may be given once.");
    }

    private static string EncodeCursor(string path) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(path));

    private static string DecodeCursor(string cursor)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw OriginProblemException.BadRequest("cursor is not one this origin handed out.");
        }
        catch (DecoderFallbackException)
        {
            throw OriginProblemException.BadRequest("cursor is not one this origin handed out.");
        }
    }
}
