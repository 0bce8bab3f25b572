using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Leadership;

/// <summary>Configuration section <c>Leadership</c>: the election that picks the replica running singleton jobs.</summary>
internal sealed class LeadershipOptions
{
    public const string SectionName = "Leadership";

    /// <summary>
    /// <c>Leadership:LeaseTtl</c>: a leader that stops renewing (killed, cut off) is replaced within this time. Shorter
    /// fails over faster but costs more keepalives and risks a needless change of leader on a slow etcd.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Leadership:ReplicaId</c>: this replica's name in the <c>leader</c> key; default host name and a random suffix.</summary>
    public string ReplicaId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary><c>Leadership:ProbeInterval</c>: how often the leader probes every edge and origin.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Leadership:ProbeTimeout</c>: a probe not answered in this time is a failure.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Leadership:Origins:{name}</c> = a health URL (an origin node's <c>/readyz</c>) the leader probes.</summary>
    public Dictionary<string, string> Origins { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>Leadership:PurgeRetention</c>: purge events older than this are deleted by the leader. An edge cut off for
    /// longer misses them (it re-reads its state then but cannot replay purges), so keep it above expected outages.
    /// </summary>
    public TimeSpan PurgeRetention { get; set; } = TimeSpan.FromMinutes(10);
}

internal sealed class LeadershipOptionsValidator : IValidateOptions<LeadershipOptions>
{
    public ValidateOptionsResult Validate(string? name, LeadershipOptions options)
    {
        var errors = new List<string>();
        if (options.LeaseTtl < TimeSpan.FromSeconds(3) || options.LeaseTtl > TimeSpan.FromMinutes(1))
        {
            errors.Add("Leadership:LeaseTtl must be 3 s to 1 min (a second under it is asked of etcd, in whole seconds).");
        }

        if (string.IsNullOrWhiteSpace(options.ReplicaId))
        {
            errors.Add("Leadership:ReplicaId must not be empty.");
        }

        if (options.ProbeInterval < TimeSpan.FromMilliseconds(200))
        {
            errors.Add("Leadership:ProbeInterval must be at least 200 ms.");
        }

        if (options.ProbeTimeout <= TimeSpan.Zero || options.ProbeTimeout > options.ProbeInterval)
        {
            errors.Add("Leadership:ProbeTimeout must be positive and at most Leadership:ProbeInterval.");
        }

        foreach (var (origin, url) in options.Origins)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                errors.Add($"Leadership:Origins:{origin} '{url}' is not an absolute URL.");
            }
        }

        if (options.PurgeRetention < TimeSpan.FromMinutes(1))
        {
            errors.Add("Leadership:PurgeRetention must be at least 1 minute.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
