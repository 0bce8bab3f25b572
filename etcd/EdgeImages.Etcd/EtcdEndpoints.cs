using EdgeImages.Etcd.Security;

namespace EdgeImages.Etcd;

/// <summary>
/// An etcd endpoint list as the control plane (<c>Etcd:Endpoints</c>) and the edges (<c>ControlPlane:Etcd</c>) configure
/// it: the members' client URLs, comma-separated, with the TLS files that https endpoints need. One reading and one set
/// of rules for both, so that a list one service accepts the other does too.
/// </summary>
public static class EtcdEndpoints
{
    /// <summary>The entries of <paramref name="list"/>, trimmed, empty ones left out.</summary>
    public static string[] Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The endpoints of a list that <see cref="Problems"/> found none in.</summary>
    public static IReadOnlyList<Uri> Parse(string? list) => [.. Split(list).Select(endpoint => new Uri(endpoint))];

    /// <summary>
    /// Each entry that is no <c>http(s)://host:port</c> URL, named under <paramref name="endpointsSetting"/>; when every
    /// entry is one, the TLS rules (<see cref="EtcdTlsSettings.Problems"/>) with the files named under
    /// <paramref name="filesSettings"/>. Empty when the list and the files go together.
    /// </summary>
    public static IEnumerable<string> Problems(string endpointsSetting, string filesSettings, string? list, string? caFile, string? certificateFile, string? keyFile)
    {
        var wellFormed = true;
        foreach (var endpoint in Split(list))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                wellFormed = false;
                yield return $"{endpointsSetting}: '{endpoint}' is not an http(s)://host:port URL.";
            }
        }

        if (wellFormed)
        {
            foreach (var problem in EtcdTlsSettings.Problems(endpointsSetting, filesSettings, caFile, certificateFile, keyFile, Parse(list)))
            {
                yield return problem;
            }
        }
    }
}
