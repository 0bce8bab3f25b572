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
}

internal sealed class OriginalsOptionsValidator(IHostEnvironment environment) : IValidateOptions<OriginalsOptions>
{
    public ValidateOptionsResult Validate(string? name, OriginalsOptions options)
    {
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
