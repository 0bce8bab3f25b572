using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Originals;

/// <summary>The embedded default's originals folder, configuration section <c>Originals</c>.</summary>
internal sealed class OriginalsOptions
{
    public const string SectionName = "Originals";

    /// <summary>
    /// <c>Originals:Path</c>: a folder laid out as <c>{Path}/{tenant}/{path}</c>. Relative paths are taken
    /// from the content root, so the quick start finds the samples shipped beside the edge.
    /// </summary>
    public string Path { get; set; } = "originals";

    /// <summary>
    /// <c>Originals:FetchTimeout</c>: how long one fetch of an original may take before the edge answers 504.
    /// A stuck store must cost a client seconds, not the whole of its own timeout.
    /// </summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

internal sealed class OriginalsOptionsValidator(IHostEnvironment environment) : IValidateOptions<OriginalsOptions>
{
    public ValidateOptionsResult Validate(string? name, OriginalsOptions options)
    {
        if (options.FetchTimeout <= TimeSpan.Zero || options.FetchTimeout > TimeSpan.FromMinutes(5))
        {
            return ValidateOptionsResult.Fail("Originals:FetchTimeout must be between 00:00:00.001 and 00:05:00.");
        }

        if (string.IsNullOrWhiteSpace(options.Path))
        {
            return ValidateOptionsResult.Fail("Originals:Path must name a folder.");
        }

        var full = LocalFolderOriginalStore.ResolveRoot(options.Path, environment.ContentRootPath);
        return Directory.Exists(full)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Originals:Path '{options.Path}' is not an existing folder.");
    }
}
