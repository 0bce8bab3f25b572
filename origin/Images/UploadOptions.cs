using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Origin.Images;

/// <summary>Limits on uploads, from section <c>Origin</c>.</summary>
internal sealed class UploadOptions
{
    public const string SectionName = "Origin";

    /// <summary>
    /// <c>Origin:MaxUploadBytes</c>: 50 MiB. Typical originals are 0.2 to 20 MB; a 100-megapixel JPEG is about 30 MB.
    /// PostgreSQL's bytea tops out at 1 GB (the bound), and the edge has to fetch and decode whatever is stored.
    /// </summary>
    [SettingRange(1L, 1_000_000_000L, ErrorMessage = "Origin:MaxUploadBytes must be between {1} and {2}.")]
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// <c>Origin:MaxPixels</c>: a header declaring more is refused as absurd (415). 250 megapixels is above any
    /// camera and any panorama a site serves, and below a decompression bomb's 100k x 100k.
    /// </summary>
    [SettingRange(1L, long.MaxValue, ErrorMessage = "Origin:MaxPixels must be at least {1}.")]
    public long MaxPixels { get; set; } = 250_000_000;

    /// <summary>Uploads up to this size are buffered in memory, larger ones spill to a temp file while they stream in.</summary>
    [SettingRange(0, 64 * 1024 * 1024, ErrorMessage = "Origin:MemoryBufferBytes must be between {1} and {2}.")]
    public int MemoryBufferBytes { get; set; } = 1024 * 1024;
}

/// <summary>The ranges from the attributes, source-generated.</summary>
[OptionsValidator]
internal sealed partial class UploadOptionsValidator : IValidateOptions<UploadOptions>;
