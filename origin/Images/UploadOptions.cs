using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Images;

/// <summary>Limits on uploads, from section <c>Origin</c>.</summary>
internal sealed class UploadOptions
{
    public const string SectionName = "Origin";

    /// <summary>
    /// <c>Origin:MaxUploadBytes</c>: 50 MiB. Typical originals are 0.2 to 20 MB; a 100-megapixel JPEG is about 30 MB.
    /// PostgreSQL's bytea tops out at 1 GB, and the edge has to fetch and decode whatever is stored.
    /// </summary>
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// <c>Origin:MaxPixels</c>: a header declaring more is refused as absurd (415). 250 megapixels is above any
    /// camera and any panorama a site serves, and below a decompression bomb's 100k x 100k.
    /// </summary>
    public long MaxPixels { get; set; } = 250_000_000;

    /// <summary>Uploads up to this size are buffered in memory, larger ones spill to a temp file while they stream in.</summary>
    public int MemoryBufferBytes { get; set; } = 1024 * 1024;
}

internal sealed class UploadOptionsValidator : IValidateOptions<UploadOptions>
{
    // bytea is limited to 1 GB, and a single Npgsql parameter to int.MaxValue bytes.
    private const long MaxStorableBytes = 1_000_000_000;

    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        var errors = new List<string>();
        if (options.MaxUploadBytes is < 1 or > MaxStorableBytes)
        {
            errors.Add($"Origin:MaxUploadBytes must be 1 to {MaxStorableBytes} (PostgreSQL bytea's limit).");
        }

        if (options.MaxPixels < 1)
        {
            errors.Add("Origin:MaxPixels must be at least 1.");
        }

        if (options.MemoryBufferBytes is < 0 or > 64 * 1024 * 1024)
        {
            errors.Add("Origin:MemoryBufferBytes must be 0 to 64 MiB.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
