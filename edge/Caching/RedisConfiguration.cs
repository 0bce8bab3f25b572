using System.Net;
using System.Security.Authentication;
using EdgeImages.Etcd.Security;
using StackExchange.Redis;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// The client settings of the region's Redis, from <see cref="CacheOptions"/>: the address from <c>Caching:Redis</c>,
/// TLS with the deployment CA pinned, and the region's ACL user with a password that never sits on a command line.
/// </summary>
internal static class RedisConfiguration
{
    public static ConfigurationOptions Build(CacheOptions options, PinnedCertificateAuthority? authority)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(options.Redis!);
        if (!string.IsNullOrWhiteSpace(options.RedisUser))
        {
            configuration.User = options.RedisUser;
        }

        if (Password(options) is { } password)
        {
            configuration.Password = password;
        }

        if (authority is not null)
        {
            configuration.Ssl = true;
            configuration.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            configuration.CertificateValidation += authority.Validate;
        }

        // Neither a tie-breaker key nor a configuration channel: a region runs one Redis or a Redis Cluster (the same
        // string names its nodes, and the client learns the slots from them), and a cluster elects its own primaries,
        // so the client has nothing to break ties between or broadcast. The region's ACL user reaches the edge's keys
        // and no channel at all.
        configuration.TieBreaker = "";
        configuration.ConfigurationChannel = "";
        return configuration;
    }

    /// <summary>Every problem with the Redis settings, each naming its key.</summary>
    public static IEnumerable<string> Problems(CacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(options.Redis!);
        }
        catch (ArgumentException)
        {
            return ["Caching:Redis is not a valid StackExchange.Redis configuration string."];
        }

        var errors = new List<string>();
        if (!string.IsNullOrEmpty(parsed.Password))
        {
            errors.Add("Caching:Redis must not carry the password (settings files and command lines are readable); use Caching:RedisPassword from the environment or Caching:RedisPasswordFile.");
        }

        if (!string.IsNullOrEmpty(options.RedisPassword) && !string.IsNullOrEmpty(options.RedisPasswordFile))
        {
            errors.Add("Caching:RedisPassword and Caching:RedisPasswordFile are both set; set one.");
        }

        if (options.RedisPasswordFile is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                errors.Add($"Caching:RedisPasswordFile: {file} does not exist.");
            }
            else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                errors.Add($"Caching:RedisPasswordFile: {file} is readable by others; make it mode 0600.");
            }
        }

        if (options.RedisCaFile is { Length: > 0 } ca && !File.Exists(ca))
        {
            errors.Add($"Caching:RedisCaFile: {ca} does not exist.");
        }

        if (parsed.EndPoints.Any(endpoint => !IsLoopback(endpoint)))
        {
            // The cache holds what the edge serves: beyond this machine, only an authenticated TLS peer may be it.
            if (string.IsNullOrWhiteSpace(options.RedisCaFile))
            {
                errors.Add("Caching:RedisCaFile must name the deployment CA: a Redis beyond loopback is reached over TLS only.");
            }

            if (string.IsNullOrWhiteSpace(options.RedisUser) || (string.IsNullOrEmpty(options.RedisPassword) && string.IsNullOrEmpty(options.RedisPasswordFile)))
            {
                errors.Add("Caching:RedisUser and its password (Caching:RedisPassword or Caching:RedisPasswordFile) are required for a Redis beyond loopback.");
            }
        }

        return errors;
    }

    private static string? Password(CacheOptions options) =>
        !string.IsNullOrEmpty(options.RedisPassword) ? options.RedisPassword
        : !string.IsNullOrEmpty(options.RedisPasswordFile) ? File.ReadAllText(options.RedisPasswordFile).Trim()
        : null;

    private static bool IsLoopback(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address),
        DnsEndPoint dns => dns.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(dns.Host, out var address) && IPAddress.IsLoopback(address)),
        _ => false,
    };
}
