using EdgeImages.Origin.Http;
using EdgeImages.Origin.Images;
using EdgeImages.Origin.Security;
using EdgeImages.Origin.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Api;

/// <summary>
/// PUT, GET/HEAD and DELETE of one original. Each reads top to bottom: authenticate, parse, store or fetch,
/// answer. Nothing request-controlled is logged before the credential is checked.
/// </summary>
internal sealed partial class OriginalHandlers(
    OriginalStore store,
    ImageHeaderReader headers,
    IOptions<UploadOptions> uploadOptions,
    TimeProvider time,
    ILogger<OriginalHandlers> logger)
{
    public async Task PutAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var address = OriginalAddress.Parse(context);
        var limits = uploadOptions.Value;
        if (context.Request.ContentLength > limits.MaxUploadBytes)
        {
            throw OriginProblemException.TooLarge($"Uploads are limited to {limits.MaxUploadBytes} bytes.");
        }

        // The limit is enforced by SpooledUpload whatever the framing; Kestrel's own default (30 MB) would be a second, different one.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var upload = await SpooledUpload.ReadAsync(context.Request.Body, limits.MaxUploadBytes, limits.MemoryBufferBytes, cancellationToken).ConfigureAwait(false);
        await using var uploadScope = upload.ConfigureAwait(false);
        var header = headers.Read(upload.Content);
        var now = time.GetUtcNow();
        var version = new NewVersion(
            address.Tenant, address.Path, VersionIds.New(now), upload.Sha256, upload.Length,
            header.Width, header.Height, header.Format, header.ContentType, now);
        var generation = await store.PutAsync(version, upload.Content, cancellationToken).ConfigureAwait(false);
        Log.Stored(logger, version.Tenant, version.Path, version.Version, version.Bytes);

        var stored = new StoredVersion(
            version.Tenant, version.Path, version.Version, generation, version.ContentHash, version.Bytes,
            version.Width, version.Height, version.Format, version.ContentType, version.CreatedAt);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.ETag = OriginalResponses.ETagOf(stored.ContentHash);
        response.Headers.Location = OriginalResponses.LocationOf(address.Tenant, address, stored.Version);
        response.Headers[OriginalResponses.VersionHeader] = stored.Version;
        response.Headers.CacheControl = "no-store";
        await response.WriteAsJsonAsync(OriginalResponses.UploadBody(stored), cancellationToken).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var address = OriginalAddress.Parse(context);
        var pinned = RequestedVersion(context);
        var version = await store.FindAsync(address.Tenant, address.Path, pinned, cancellationToken).ConfigureAwait(false)
            ?? throw OriginProblemException.NotFound(pinned is null ? "No such original." : "No such original or version.");

        var response = context.Response;
        OriginalResponses.WriteVersionHeaders(response, version, pinned is not null);
        if (OriginalResponses.NoneMatch(context.Request, OriginalResponses.ETagOf(version.ContentHash)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = version.ContentType;
        response.ContentLength = version.Bytes;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var found = await store.CopyContentAsync(version, pinned is not null, content => content.CopyToAsync(response.Body, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (!found)
        {
            // Deleted or cleaned up between the two queries; nothing was written yet.
            throw OriginProblemException.NotFound("No such original or version.");
        }
    }

    public async Task DeleteAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var address = OriginalAddress.Parse(context);
        if (!await store.DeleteAsync(address.Tenant, address.Path, cancellationToken).ConfigureAwait(false))
        {
            throw OriginProblemException.NotFound("No such original.");
        }

        Log.Deleted(logger, address.Tenant, address.Path);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static string? RequestedVersion(HttpContext context)
    {
        if (!context.Request.Query.TryGetValue("version", out var values))
        {
            return null;
        }

        if (values.Count != 1 || values[0] is not { } version || !VersionIds.IsValid(version))
        {
            throw OriginProblemException.BadRequest("version must be 1 to 64 characters of [A-Za-z0-9_-], given once.");
        }

        return version;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Stored {Tenant}/{Path} version {Version} ({Bytes} bytes).")]
        public static partial void Stored(ILogger logger, string tenant, string path, string version, long bytes);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Deleted {Tenant}/{Path} with all its versions.")]
        public static partial void Deleted(ILogger logger, string tenant, string path);
    }
}
