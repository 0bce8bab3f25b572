using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Caching;

/// <summary>Configuration section <c>Caching</c>.</summary>
internal sealed class CacheOptions
{
    public const string SectionName = "Caching";

    /// <summary>
    /// <c>Caching:MemoryLimitBytes</c>: the memory tier's budget for response bodies. 256 MiB holds some
    /// ten thousand typical 25 KB variants while leaving room for decode buffers on a small node.
    /// </summary>
    public long MemoryLimitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// <c>Caching:MaxAge</c>: how long an unversioned variant is fresh, here and in browsers
    /// (<c>Cache-Control: max-age</c>). An hour bounds how long a replaced original can linger
    /// without a purge, at a cost of one revalidation an hour per variant.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary><c>Caching:NotFoundMaxAge</c>: how long browsers and CDNs may cache a 404 (negative caching).</summary>
    public TimeSpan NotFoundMaxAge { get; set; } = TimeSpan.FromSeconds(60);
}

internal sealed class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheOptions options)
    {
        var errors = new List<string>();
        if (options.MemoryLimitBytes < 1024 * 1024)
        {
            errors.Add("Caching:MemoryLimitBytes must be at least 1048576 (1 MiB).");
        }

        if (options.MaxAge <= TimeSpan.Zero || options.MaxAge > TimeSpan.FromDays(365))
        {
            errors.Add("Caching:MaxAge must be between 00:00:01 and 365.00:00:00.");
        }

        if (options.NotFoundMaxAge < TimeSpan.Zero || options.NotFoundMaxAge > TimeSpan.FromDays(1))
        {
            errors.Add("Caching:NotFoundMaxAge must be between 00:00:00 and 1.00:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
