using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Origin;

/// <summary>
/// The origin cluster, configuration section <c>Origin</c>. With no destinations the edge serves the
/// embedded originals folder instead (<c>Originals:Path</c>), which is the quick start's default.
/// </summary>
internal sealed class OriginOptions
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
    public TimeSpan TryTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary><c>Origin:Retries</c>: further attempts, each on another destination when there is one.</summary>
    public int Retries { get; set; } = 1;

    /// <summary><c>Origin:HealthCheckInterval</c>: how often YARP probes each node's <c>/healthz</c>.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Origin:UnhealthyFor</c>: how long a node that failed a request is left out before it is tried again.</summary>
    public TimeSpan UnhealthyFor { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Origin:BreakAfterFailures</c>: failed fetches (every attempt failed) within <c>Origin:BreakSamplingDuration</c>,
    /// with none succeeding, after which the breaker opens and fetches fail at once for <c>Origin:BreakFor</c>; stale
    /// copies answer meanwhile. At least 2 (Polly's minimum throughput): one unlucky fetch is not an outage.
    /// </summary>
    public int BreakAfterFailures { get; set; } = 5;

    /// <summary>
    /// <c>Origin:BreakSamplingDuration</c>: the window in which <c>Origin:BreakAfterFailures</c> failures must fall. Long
    /// enough that a trickle of misses during an outage still trips it, short enough that old failures are forgotten.
    /// </summary>
    public TimeSpan BreakSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Origin:BreakFor</c>: how long the open breaker refuses before one probe fetch is let through (at least half a
    /// second, Polly's minimum). Whatever becomes of that probe, the breaker closes or opens again: it never sticks.
    /// </summary>
    public TimeSpan BreakFor { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsConfigured => Destinations.Count > 0 || Clusters.Count > 0;

    /// <summary>The YARP cluster id of a tenant's origin: the default cluster, or a named one.</summary>
    public static string ClusterIdFor(string? origin) => origin is null ? ClusterId : $"{ClusterId}-{origin}";
}

internal sealed class OriginOptionsValidator : IValidateOptions<OriginOptions>
{
    public ValidateOptionsResult Validate(string? name, OriginOptions options)
    {
        var errors = new List<string>();
        foreach (var (destination, address) in options.Destinations.Concat(options.Clusters.SelectMany(cluster => cluster.Value)))
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"Origin:Destinations:{destination} must be an absolute http(s) address.");
            }
        }

        if (options.IsConfigured && string.IsNullOrWhiteSpace(options.Credential))
        {
            errors.Add("Origin:Credential is required when Origin:Destinations is set.");
        }

        if (options.TryTimeout < TimeSpan.FromMilliseconds(10) || options.TryTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add("Origin:TryTimeout must be between 00:00:00.010 and 00:01:00.");
        }

        if (options.Retries is < 0 or > 5)
        {
            errors.Add("Origin:Retries must be between 0 and 5.");
        }

        if (options.HealthCheckInterval < TimeSpan.FromMilliseconds(100))
        {
            errors.Add("Origin:HealthCheckInterval must be at least 00:00:00.1.");
        }

        if (options.UnhealthyFor <= TimeSpan.Zero)
        {
            errors.Add("Origin:UnhealthyFor must be positive.");
        }

        if (options.BreakAfterFailures < 2)
        {
            errors.Add("Origin:BreakAfterFailures must be at least 2.");
        }

        if (options.BreakSamplingDuration < TimeSpan.FromMilliseconds(500) || options.BreakSamplingDuration > TimeSpan.FromDays(1))
        {
            errors.Add("Origin:BreakSamplingDuration must be between 00:00:00.5 and 1.00:00:00.");
        }

        if (options.BreakFor < TimeSpan.FromMilliseconds(500) || options.BreakFor > TimeSpan.FromDays(1))
        {
            errors.Add("Origin:BreakFor must be between 00:00:00.5 and 1.00:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
