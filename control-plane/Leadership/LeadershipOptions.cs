using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Leadership;

/// <summary>Configuration section <c>Leadership</c>: the election that picks the replica running singleton jobs.</summary>
internal sealed class LeadershipOptions : IValidatableObject
{
    public const string SectionName = "Leadership";

    /// <summary>
    /// <c>Leadership:LeaseTtl</c>: a leader that stops renewing (killed, cut off) is replaced within this time. Shorter
    /// fails over faster but costs more keepalives and risks a needless change of leader on a slow etcd.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Leadership:ReplicaId</c>: this replica's name in the <c>leader</c> key; default host name and a random suffix.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Leadership:ReplicaId must not be empty.")]
    public string ReplicaId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary><c>Leadership:ProbeInterval</c>: how often the leader probes every edge and origin.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.200", "01:00:00", ErrorMessage = "Leadership:ProbeInterval must be between {1} and {2}.")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Leadership:ProbeTimeout</c>: a probe not answered in this time is a failure.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Leadership:Origins:{name}</c> = a health URL (an origin node's <c>/readyz</c>) the leader probes.</summary>
    public Dictionary<string, string> Origins { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>Leadership:PurgeRetention</c>: purge events older than this are deleted by the leader. An edge cut off for
    /// longer misses them (it re-reads its state then but cannot replay purges), so keep it above expected outages.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Leadership:PurgeRetention must be between {1} and {2}.")]
    public TimeSpan PurgeRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The rules that involve more than one setting, or a value's syntax.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseTtl < TimeSpan.FromSeconds(3) || LeaseTtl > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Leadership:LeaseTtl must be 3 s to 1 min (a second under it is asked of etcd, in whole seconds).", [nameof(LeaseTtl)]);
        }

        if (ProbeTimeout <= TimeSpan.Zero || ProbeTimeout > ProbeInterval)
        {
            yield return new ValidationResult("Leadership:ProbeTimeout must be positive and at most Leadership:ProbeInterval.", [nameof(ProbeTimeout)]);
        }

        foreach (var (origin, url) in Origins)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                yield return new ValidationResult($"Leadership:Origins:{origin} '{url}' is not an absolute URL.", [nameof(Origins)]);
            }
        }
    }
}

/// <summary>The ranges from the attributes, source-generated; <see cref="LeadershipOptions.Validate"/> for the rest.</summary>
[OptionsValidator]
internal sealed partial class LeadershipOptionsValidator : IValidateOptions<LeadershipOptions>;
