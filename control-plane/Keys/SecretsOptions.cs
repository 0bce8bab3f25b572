using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Keys;

/// <summary>Configuration section <c>Secrets</c>.</summary>
internal sealed class SecretsOptions
{
    public const string SectionName = "Secrets";

    /// <summary>
    /// <c>Secrets:MasterKey</c>: 32 bytes in hex (64 digits). Signing secrets are sealed with it (AES-256-GCM) before
    /// they reach etcd, so an etcd backup or a snapshot on an edge's disk holds no usable secret. Edges hold the same
    /// key (<c>ControlPlane:MasterKey</c>) to open them. No default: a control plane without it refuses to start.
    /// </summary>
    public string? MasterKey { get; set; }
}

internal sealed class SecretsOptionsValidator : IValidateOptions<SecretsOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretsOptions options)
    {
        if (options.MasterKey is not { } hex || hex.Length != 64 || !hex.All(Uri.IsHexDigit))
        {
            return ValidateOptionsResult.Fail("Secrets:MasterKey must be 32 bytes in hex (64 hex digits).");
        }

        return ValidateOptionsResult.Success;
    }
}
