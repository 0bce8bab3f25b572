using EdgeImages.Etcd.Security;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Etcd;

/// <summary>Where the state lives, configuration section <c>Etcd</c>.</summary>
internal sealed class EtcdOptions
{
    public const string SectionName = "Etcd";

    /// <summary>
    /// <c>Etcd:Endpoints</c>: the cluster's client URLs, comma-separated (<c>http://10.0.0.1:2379,http://10.0.0.2:2379</c>).
    /// Every member is listed so that losing one costs nothing: calls are balanced over the members that answer.
    /// </summary>
    public string Endpoints { get; set; } = "";

    /// <summary><c>Etcd:Prefix</c>: every key lives below it, so one etcd cluster can hold several deployments.</summary>
    public string Prefix { get; set; } = "/edgeimages/";

    /// <summary>
    /// <c>Etcd:RequestTimeout</c>: the deadline of every unary call. Without a quorum etcd does not fail a write, it
    /// waits; this bound turns that wait into a quick 503 instead of a hung admin request.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <c>Etcd:CaFile</c>, <c>Etcd:CertificateFile</c>, <c>Etcd:KeyFile</c>: for https endpoints (required then), the
    /// deployment CA's certificate, pinned as the only trust for etcd's members, and this replica's client certificate
    /// and key (PEM). The certificate's common name is its etcd user (<c>control-plane</c>), whose role writes the whole
    /// prefix; etcd's root user is for bootstrap alone. Plain http is accepted on loopback only.
    /// </summary>
    public string? CaFile { get; set; }

    public string? CertificateFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>The TLS files, when configured (validated at start: all three with https endpoints).</summary>
    public EtcdTlsSettings? Tls() =>
        string.IsNullOrWhiteSpace(CaFile) ? null : new EtcdTlsSettings(CaFile, CertificateFile!, KeyFile!);

    public IReadOnlyList<Uri> EndpointUris() =>
        [.. Endpoints.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(e => new Uri(e))];
}

internal sealed class EtcdOptionsValidator : IValidateOptions<EtcdOptions>
{
    public ValidateOptionsResult Validate(string? name, EtcdOptions options)
    {
        var errors = new List<string>();
        var endpoints = options.Endpoints.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (endpoints.Length == 0)
        {
            errors.Add("Etcd:Endpoints must list the etcd cluster's client URLs, comma-separated (http://host:2379,...).");
        }

        foreach (var endpoint in endpoints)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Port <= 0)
            {
                errors.Add($"Etcd:Endpoints: '{endpoint}' is not an http(s)://host:port URL.");
            }
        }

        if (errors.Count == 0)
        {
            errors.AddRange(EtcdTlsSettings.Problems("Etcd:Endpoints", "Etcd:", options.CaFile, options.CertificateFile, options.KeyFile, options.EndpointUris()));
        }

        if (!options.Prefix.StartsWith('/') || !options.Prefix.EndsWith('/'))
        {
            errors.Add("Etcd:Prefix must start and end with '/'.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("Etcd:RequestTimeout must be between 0 and 30 seconds.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
