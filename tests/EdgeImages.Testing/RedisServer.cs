using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeImages.Testing.Tls;

namespace EdgeImages.Testing;

/// <summary>
/// A real redis-server (the Debian package) on a free port of 127.0.0.1, with no persistence: a killed Redis
/// comes back empty, as a region's cache may after a crash. Plain and open by default (the tests of caching itself);
/// <see cref="StartSecureAsync"/> starts it as the deployed topology does: TLS only (<c>port 0</c>, <c>tls-port</c>),
/// the default user off, one ACL user per region, and an <c>admin</c> user for the tests' own commands. The same, in
/// cluster mode, is each node of a <see cref="RedisCluster"/>.
/// </summary>
public sealed class RedisServer : LoopbackServer
{
    public const string AdminUser = "admin";

    private const string Binary = "/usr/bin/redis-server";

    private readonly SecureSetup? _secure;
    private readonly int? _clusterBusPort;

    private RedisServer(SecureSetup? secure, bool clusterNode = false)
        : base(clusterNode ? "redis-cluster" : "redis")
    {
        _secure = secure;
        _clusterBusPort = clusterNode ? FreePort.Next() : null;
    }

    /// <summary>A StackExchange.Redis configuration string for this server: its address, and <c>ssl=true</c> when secure (no secret in it).</summary>
    public string Configuration => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsSecure => _secure is not null;

    /// <summary>The CA the server's certificate chains to (secure servers only).</summary>
    public string CaCertificatePath => Secure.CaCertificatePath;

    /// <summary>The ACL user of a region's edges, as the deployed topology names it.</summary>
    public static string RegionUser(string region) => $"edge-{region}";

    /// <summary>The password of one of the users (secure servers only).</summary>
    public string PasswordOf(string user) => Secure.Passwords[user];

    /// <summary>What an edge of <paramref name="region"/> is configured with to reach this secure server as that region's user.</summary>
    public Dictionary<string, string?> EdgeSettings(string region) => new()
    {
        ["Caching:Redis"] = Configuration,
        ["Caching:RedisCaFile"] = CaCertificatePath,
        ["Caching:RedisUser"] = RegionUser(region),
        ["Caching:RedisPassword"] = PasswordOf(RegionUser(region)),
    };

    public static Task<RedisServer> StartAsync(CancellationToken cancellationToken = default) => LaunchNewAsync(null, cancellationToken);

    /// <summary>
    /// TLS only, with a server certificate from <paramref name="pki"/>'s CA, and ACL users: one per region in
    /// <paramref name="regions"/> (<see cref="RegionUser"/>, the edge's keys only, nothing administrative) and
    /// <see cref="AdminUser"/>; the default user is off, so a client without credentials can do nothing but AUTH.
    /// </summary>
    public static Task<RedisServer> StartSecureAsync(TestPki pki, IEnumerable<string> regions, CancellationToken cancellationToken = default) =>
        LaunchNewAsync(NewSecureSetup(pki, regions), cancellationToken);

    /// <summary>The certificate and ACL users of a secure server, or of every node of a secure cluster (the same on each).</summary>
    internal static SecureSetup NewSecureSetup(TestPki pki, IEnumerable<string> regions, bool cluster = false)
    {
        ArgumentNullException.ThrowIfNull(pki);
        ArgumentNullException.ThrowIfNull(regions);
        var passwords = new Dictionary<string, string>(StringComparer.Ordinal) { [AdminUser] = NewPassword() };
        foreach (var region in regions)
        {
            passwords[RegionUser(region)] = NewPassword();
        }

        var name = "redis-" + Guid.NewGuid().ToString("N")[..8];
        // A cluster node also connects out, to the other nodes' bus (which always asks for a client certificate) and
        // to its primary: with a client certificate of its own from the same CA.
        return new SecureSetup(pki.IssueServer(name), pki.CaCertificatePath, passwords, cluster ? pki.IssueClient(name + "-node") : null);
    }

    /// <summary>
    /// One node of a <see cref="RedisCluster"/>: the secure setup plus <c>cluster-enabled</c>, its cluster bus on a
    /// port of its own, and TLS on the bus and for replication too. Not yet part of any cluster when it returns.
    /// </summary>
    internal static Task<RedisServer> StartClusterNodeAsync(SecureSetup secure, CancellationToken cancellationToken) =>
        LaunchNewAsync(secure, cancellationToken, clusterNode: true);

    /// <summary>
    /// The ACL rules of a region's user: the edge's own keys (the L2 tier's <c>edge:*</c>, the regional quotas'
    /// <c>rl:tb:{edge:*</c>), no pub/sub channel, every command but the dangerous ones (no KEYS, FLUSHALL, CONFIG,
    /// DEBUG, MONITOR…) except INFO, which the client reads the server's version from. deploy/Services.psm1 writes the same.
    /// </summary>
    public static string RegionUserRules => "~edge:* ~rl:tb:{edge:* resetchannels +@all -@dangerous +info";

    private static async Task<RedisServer> LaunchNewAsync(SecureSetup? secure, CancellationToken cancellationToken, bool clusterNode = false)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./test.sh, which installs the Debian package redis-server.");
        }

        var server = new RedisServer(secure, clusterNode);
        try
        {
            await server.LaunchAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one command in RESP (as <see cref="AdminUser"/> on a secure server) and returns the raw first line of the reply.</summary>
    public async Task<string> CommandAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var reply = await ReplyAsync(cancellationToken, arguments);
        return FirstLine(reply);
    }

    /// <summary>The whole raw reply of one short command (up to 4 KiB), e.g. the key names of a <c>KEYS</c>.</summary>
    public Task<string> ReplyAsync(CancellationToken cancellationToken, params string[] arguments) =>
        _secure is null ? ReplyAsAsync(null, null, arguments, cancellationToken) : ReplyAsAsync(AdminUser, PasswordOf(AdminUser), arguments, cancellationToken);

    /// <summary>
    /// One command as <paramref name="user"/> (none: unauthenticated), over TLS with the CA pinned on a secure server:
    /// the first line of the AUTH reply when AUTH fails, else the first line of the command's reply.
    /// </summary>
    public async Task<string> CommandAsAsync(string? user, string? password, CancellationToken cancellationToken, params string[] arguments) =>
        FirstLine(await ReplyAsAsync(user, password, arguments, cancellationToken));

    private async Task<string> ReplyAsAsync(string? user, string? password, string[] arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var client = new TcpClient();
        await client.ConnectAsync(Host, Port, cancellationToken);
        Stream stream = client.GetStream();
        if (_secure is not null)
        {
            var tls = new SslStream(stream);
            stream = tls;
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = Host,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateChainPolicy = PinnedPolicy(_secure.CaCertificatePath),
            }, cancellationToken);
        }

        await using (stream)
        {
            if (user is not null)
            {
                var auth = await RoundTripAsync(stream, ["AUTH", user, password ?? ""], cancellationToken);
                if (!auth.StartsWith("+OK", StringComparison.Ordinal))
                {
                    return auth;
                }
            }

            return await RoundTripAsync(stream, arguments, cancellationToken);
        }
    }

    private static async Task<string> RoundTripAsync(Stream stream, string[] arguments, CancellationToken cancellationToken)
    {
        var request = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
        foreach (var argument in arguments)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellationToken);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static string FirstLine(string reply)
    {
        var end = reply.IndexOf("\r\n", StringComparison.Ordinal);
        return end < 0 ? reply : reply[..end];
    }

    private static X509ChainPolicy PinnedPolicy(string caPath)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(caPath);
        return policy;
    }

    protected override ProcessHandle StartProcess() => _secure is null
        ? ProcessHandle.Start(Binary,
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", Host,
            "--dir", Folder,
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "no",
            "--daemonize", "no",
        ])
        // Secure: everything in a config file of mode 0600, so that no ACL rule or hash is on the command line either.
        : ProcessHandle.Start(Binary, [WriteSecureConfig(_secure)]);

    private string WriteSecureConfig(SecureSetup secure)
    {
        var config = new StringBuilder()
            .AppendLine("port 0")
            .AppendLine(CultureInfo.InvariantCulture, $"tls-port {Port}")
            .AppendLine(CultureInfo.InvariantCulture, $"bind {Host}")
            .AppendLine(CultureInfo.InvariantCulture, $"tls-cert-file {secure.Server.CertificatePath}")
            .AppendLine(CultureInfo.InvariantCulture, $"tls-key-file {secure.Server.KeyPath}")
            .AppendLine(CultureInfo.InvariantCulture, $"tls-ca-cert-file {secure.CaCertificatePath}")
            // Clients prove who they are with an ACL user and password; the TLS layer authenticates the server.
            .AppendLine("tls-auth-clients no")
            .AppendLine("tls-protocols \"TLSv1.2 TLSv1.3\"")
            .AppendLine(CultureInfo.InvariantCulture, $"dir {Folder}")
            .AppendLine("save \"\"")
            .AppendLine("appendonly no")
            .AppendLine("daemonize no")
            .AppendLine("user default off resetkeys resetchannels -@all")
            .AppendLine(CultureInfo.InvariantCulture, $"user {AdminUser} on #{Sha256(secure.Passwords[AdminUser])} ~* &* +@all");
        if (_clusterBusPort is { } busPort)
        {
            config
                .AppendLine("cluster-enabled yes")
                .AppendLine(CultureInfo.InvariantCulture, $"cluster-port {busPort}")
                .AppendLine("cluster-config-file nodes.conf")
                // Short, so that a test's failover takes seconds: a primary unreachable for this long is failed over.
                .AppendLine("cluster-node-timeout 1000")
                // A replica may always take over, however long it was cut off: a cache prefers any copy to none.
                .AppendLine("cluster-replica-validity-factor 0")
                // The slots of a lost primary go dark until its replica takes over; every other slot keeps serving.
                .AppendLine("cluster-require-full-coverage no")
                // The bus between nodes and the replication stream are TLS too. The bus demands a client certificate
                // whatever tls-auth-clients says: each node presents one of its own from the deployment CA.
                .AppendLine("tls-cluster yes")
                .AppendLine("tls-replication yes")
                .AppendLine(CultureInfo.InvariantCulture, $"tls-client-cert-file {secure.NodeClient!.CertificatePath}")
                .AppendLine(CultureInfo.InvariantCulture, $"tls-client-key-file {secure.NodeClient.KeyPath}")
                // A replica logs in to its primary as the admin user (the default user is off); the password is in
                // clear in this mode-0600 file, which redis-server needs to send it.
                .AppendLine(CultureInfo.InvariantCulture, $"masteruser {AdminUser}")
                .AppendLine(CultureInfo.InvariantCulture, $"masterauth {secure.Passwords[AdminUser]}");
        }

        foreach (var (user, password) in secure.Passwords.Where(p => p.Key != AdminUser))
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"user {user} on #{Sha256(password)} {RegionUserRules}");
        }

        var path = Path.Combine(Folder, "redis.conf");
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(path, config.ToString());
        return path;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken) =>
        await CommandAsync(cancellationToken, "PING") == "+PONG";

    private SecureSetup Secure => _secure ?? throw new InvalidOperationException("This Redis was started plain; use StartSecureAsync.");

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string Sha256(string password) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(password)));

    internal sealed record SecureSetup(PemFiles Server, string CaCertificatePath, IReadOnlyDictionary<string, string> Passwords, PemFiles? NodeClient = null);
}
