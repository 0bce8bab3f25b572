using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
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
    [Required(AllowEmptyStrings = false, ErrorMessage = "Originals:Path must name a folder.")]
    public string Path { get; set; } = "originals";

    /// <summary>
    /// <c>Originals:FetchTimeout</c>: how long one fetch of an original may take before the edge answers 504.
    /// A stuck store must cost a client seconds, not the whole of its own timeout.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.001", "00:05:00", ErrorMessage = "Originals:FetchTimeout must be between {1} and {2}.")]
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The ranges and the required path from the attributes, source-generated.</summary>
[OptionsValidator]
internal sealed partial class OriginalsOptionsValidator : IValidateOptions<OriginalsOptions>;

/// <summary>
/// The one rule that needs the host: a relative <c>Originals:Path</c> is taken from the content root, so whether the
/// folder exists can only be asked with the environment at hand.
/// </summary>
internal sealed class OriginalsFolderValidator(IHostEnvironment environment) : IValidateOptions<OriginalsOptions>
{
    public ValidateOptionsResult Validate(string? name, OriginalsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            // Reported by the generated validator; there is no folder to look for.
            return ValidateOptionsResult.Skip;
        }

        var full = LocalFolderOriginalStore.ResolveRoot(options.Path, environment.ContentRootPath);
        return Directory.Exists(full)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Originals:Path '{options.Path}' is not an existing folder.");
    }
}
