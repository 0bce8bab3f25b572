using System.Globalization;

namespace EdgeImages.ControlPlane.Dashboard;

/// <summary>What the dashboard reads from one edge's <c>/metrics</c>: counters since the edge started, and its configuration.</summary>
/// <param name="Requests">Every answered image request.</param>
/// <param name="Cacheable">2xx and 304 answers that went through the cache (X-Cache set), the hit ratio's denominator.</param>
/// <param name="Hits">Of those, answered from memory or Redis, as the <c>edgeimages:hit_ratio:rate5m</c> rule counts them.</param>
/// <param name="Errors">5xx answers.</param>
/// <param name="Revision">The etcd revision up to which the edge has applied changes, purges included.</param>
internal sealed record EdgeSample(
    double Requests, double Cacheable, double Hits, double Errors, long? ConfigVersion, DateTimeOffset? ConfigAppliedAt, long Revision, DateTimeOffset At);

/// <summary>
/// Scrapes an edge's Prometheus text with a short timeout. Only the handful of series the dashboard needs are read;
/// the edge's labels are small closed sets, so this reader does not need the whole exposition format.
/// </summary>
internal sealed class EdgeScraper(IHttpClientFactory clients, TimeProvider time)
{
    public const string ClientName = "dashboard-scrape";

    /// <summary>One slow edge must not hold the page: the state is assembled within this, whatever the edges do.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(800);

    /// <returns>Null when the edge does not answer in time or answers something else than metrics.</returns>
    public async Task<EdgeSample?> ScrapeAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            using var client = clients.CreateClient(ClientName);
            var text = await client.GetStringAsync(new Uri(new Uri(address.TrimEnd('/') + "/"), "metrics"), cancellationToken).ConfigureAwait(false);
            return Parse(text, time.GetUtcNow());
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or UriFormatException or FormatException)
        {
            return null;
        }
    }

    internal static EdgeSample Parse(string text, DateTimeOffset at)
    {
        double requests = 0, cacheable = 0, hits = 0, errors = 0;
        long? configVersion = null;
        DateTimeOffset? appliedAt = null;
        long revision = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var (name, labels, value) = ParseLine(line);
            switch (name)
            {
                case "edgeimages_requests_total":
                    requests += value;
                    var status = labels.GetValueOrDefault("status", "");
                    var cache = labels.GetValueOrDefault("cache", "none");
                    if (status.StartsWith('5'))
                    {
                        errors += value;
                    }

                    if ((status.StartsWith('2') || status == "304") && cache != "none")
                    {
                        cacheable += value;
                        hits += cache is "hit-memory" or "hit-redis" ? value : 0;
                    }

                    break;
                case "edgeimages_config_version":
                    configVersion = (long)value;
                    break;
                case "edgeimages_config_applied_timestamp_seconds":
                    appliedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(value * 1000));
                    break;
                case "edgeimages_control_plane_revision":
                    revision = (long)value;
                    break;
            }
        }

        return new EdgeSample(requests, cacheable, hits, errors, configVersion, appliedAt, revision, at);
    }

    private static (string Name, Dictionary<string, string> Labels, double Value) ParseLine(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var nameEnd = line.IndexOfAny(['{', ' ']);
        if (nameEnd < 0)
        {
            throw new FormatException("Not a sample line.");
        }

        var position = nameEnd;
        if (line[position] == '{')
        {
            position++;
            while (position < line.Length && line[position] != '}')
            {
                var equals = line.IndexOf('=', position);
                var close = line.IndexOf('"', equals + 2);
                while (close > 0 && line[close - 1] == '\\')
                {
                    close = line.IndexOf('"', close + 1);
                }

                if (equals < 0 || close < 0)
                {
                    throw new FormatException("Unterminated label.");
                }

                labels[line[position..equals].Trim(',', ' ')] = line[(equals + 2)..close];
                position = close + 1;
                if (position < line.Length && line[position] == ',')
                {
                    position++;
                }
            }

            position++;
        }

        var rest = line[position..].Trim();
        var end = rest.IndexOf(' ', StringComparison.Ordinal);
        var value = double.Parse(end < 0 ? rest : rest[..end], NumberStyles.Float, CultureInfo.InvariantCulture);
        return (line[..nameEnd], labels, value);
    }
}
