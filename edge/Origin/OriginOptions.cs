using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Origin;

/// <summary>
/// The origin cluster, configuration section <c>Origin</c>. With no destinations the edge serves the
/// embedded originals folder instead (<c>Originals:Path</c>), which is the quick start's default.
/// </summary>
internal sealed class OriginOptions : IValidatableObject
{
    public const string SectionName = "Origin";

    /// <summary>The YARP cluster id the origin nodes form; it appears in logs and health state.</summary>
    public const string ClusterId = "origin";

    /// <summary><c>Origin:Destinations:{name}</c> = the base address of one origin node, e.g. <c>http://10.0.0.5:7001</c>.</summary>
    public Dictionary<string, string> Destinations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>Origin:Clusters:{name}:{destination}</c> = base address: further origin clusters that tenants bind to by
    /// name (<c>Tenants:{t}:Origin</c>, or a tenant's origin at the control plane). Each is a YARP cluster of its own,
    /// probed and load-balanced like the default one.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> Clusters { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>Origin:Credential</c>: the bearer token this edge presents to read originals.</summary>
    public string? Credential { get; set; }

    /// <summary>
    /// <c>Origin:LoadBalancingPolicy</c>: a YARP policy name. PowerOfTwoChoices spreads load by in-flight
    /// requests without the herd that LeastRequests makes when one node comes back.
    /// </summary>
    public string LoadBalancingPolicy { get; set; } = "PowerOfTwoChoices";

    /// <summary>
    /// <c>Origin:TryTimeout</c>: one attempt's limit. Shorter than <c>Originals:FetchTimeout</c> so that a
    /// hung node leaves time to retry on another.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Origin:TryTimeout must be between {1} and {2}.")]
    public TimeSpan TryTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary><c>Origin:Retries</c>: further attempts, each on another destination when there is one.</summary>
    [SettingRange(0, 5, ErrorMessage = "Origin:Retries must be between {1} and {2}.")]
    public int Retries { get; set; } = 1;

    /// <summary><c>Origin:HealthCheckInterval</c>: how often YARP probes each node's <c>/healthz</c>.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.100", "1.00:00:00", ErrorMessage = "Origin:HealthCheckInterval must be between {1} and {2}.")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Origin:UnhealthyFor</c>: how long a node that failed a request is left out before it is tried again.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "Origin:UnhealthyFor must be between {1} and {2}.")]
    public TimeSpan UnhealthyFor { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Origin:BreakAfterFailures</c>: failed fetches (every attempt failed) within <c>Origin:BreakSamplingDuration</c>,
    /// with none succeeding, after which the breaker opens and fetches fail at once for <c>Origin:BreakFor</c>; stale
    /// copies answer meanwhile. At least 2 (Polly's minimum throughput): one unlucky fetch is not an outage.
    /// </summary>
    [SettingRange(2, int.MaxValue, ErrorMessage = "Origin:BreakAfterFailures must be at least {1}.")]
    public int BreakAfterFailures { get; set; } = 5;

    /// <summary>
    /// <c>Origin:BreakSamplingDuration</c>: the window in which <c>Origin:BreakAfterFailures</c> failures must fall. Long
    /// enough that a trickle of misses during an outage still trips it, short enough that old failures are forgotten.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.500", "1.00:00:00", ErrorMessage = "Origin:BreakSamplingDuration must be between {1} and {2}.")]
    public TimeSpan BreakSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Origin:BreakFor</c>: how long the open breaker refuses before one probe fetch is let through (at least half a
    /// second, Polly's minimum). Whatever becomes of that probe, the breaker closes or opens again: it never sticks.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.500", "1.00:00:00", ErrorMessage = "Origin:BreakFor must be between {1} and {2}.")]
    public TimeSpan BreakFor { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsConfigured => Destinations.Count > 0 || Clusters.Count > 0;

    /// <summary>The YARP cluster id of a tenant's origin: the default cluster, or a named one.</summary>
    public static string ClusterIdFor(string? origin) => origin is null ? ClusterId : $"{ClusterId}-{origin}";

    /// <summary>The rules that are no plain range: every address's syntax, and the credential that destinations need.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (destination, address) in Destinations.Concat(Clusters.SelectMany(cluster => cluster.Value)))
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult($"Origin:Destinations:{destination} must be an absolute http(s) address.", [nameof(Destinations)]);
            }
        }

        if (IsConfigured && string.IsNullOrWhiteSpace(Credential))
        {
            yield return new ValidationResult("Origin:Credential is required when Origin:Destinations is set.", [nameof(Credential)]);
        }
    }
}

/// <summary>The ranges from the attributes, source-generated; <see cref="OriginOptions.Validate"/> for the rest.</summary>
[OptionsValidator]
internal sealed partial class OriginOptionsValidator : IValidateOptions<OriginOptions>;
