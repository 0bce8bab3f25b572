using System.ComponentModel.DataAnnotations;
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
    [Required(ErrorMessage = "Secrets:MasterKey must be set.")]
    [RegularExpression("^[0-9A-Fa-f]{64}$", ErrorMessage = "Secrets:MasterKey must be 32 bytes in hex (64 hex digits).")]
    public string? MasterKey { get; set; }
}

/// <summary>The master key's form, source-generated from the attributes.</summary>
[OptionsValidator]
internal sealed partial class SecretsOptionsValidator : IValidateOptions<SecretsOptions>;
