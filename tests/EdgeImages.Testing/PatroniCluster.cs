using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeImages.Testing.Tls;
using Npgsql;

namespace EdgeImages.Testing;

/// <summary>
/// PostgreSQL under Patroni (the Debian package) on loopback: a primary and synchronous standbys, with the
/// project's etcd as DCS under a key prefix of its own (<c>/edgeimages-test-{id}/</c>). Every member is set up as
/// <see cref="PostgresServer"/> is: TLS with a CA of the cluster's own, SCRAM only, <c>hostssl</c> lines only, for
/// replication too (the standbys stream and clone over TLS as <c>replicator</c>). Patroni's REST API is HTTPS with a
/// certificate from the same CA and demands a client certificate from it (<c>verify_client: required</c>): members
/// call each other with their own, the fixture with one of its own, and every call pins the CA. The origin's database
/// and its two roles are made on the primary once the cluster stands and reach the standbys by replication.
/// Failover is tuned for tests (<c>ttl</c> 6 s, <c>loop_wait</c> 1 s, <c>retry_timeout</c> 2 s): a killed primary is
/// replaced in about <c>ttl</c> seconds, where Patroni's defaults (30/10/10) would take half a minute.
/// </summary>
public sealed class PatroniCluster : IAsyncDisposable
{
    public const string Scope = "edgeimages";
    public const string SuperUser = "postgres";
    public const string ReplicationUser = "replicator";
    private const string Database = "origin";

    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly EtcdCluster? _ownEtcd;
    private readonly List<PatroniNode> _nodes = [];

    private PatroniCluster(string folder, EtcdCluster? ownEtcd, PatroniSettings settings)
    {
        Folder = folder;
        _ownEtcd = ownEtcd;
        Settings = settings;
    }

    /// <summary>The folder of the cluster's CA certificate (the member's own folders are their own).</summary>
    public string Folder { get; }

    internal PatroniSettings Settings { get; }

    /// <summary>The client certificate (from the cluster's CA) the fixture presents to the members' REST APIs.</summary>
    public PemFiles RestClientCertificate { get; private set; } = null!;

    /// <summary>The client of the members' REST APIs: the cluster's CA pinned, <see cref="RestClientCertificate"/> presented.</summary>
    private HttpClient Rest { get; set; } = null!;

    public IReadOnlyList<PatroniNode> Nodes => _nodes;

    /// <summary>The key prefix of this cluster in etcd.</summary>
    public string Namespace => Settings.Namespace;

    public string CaCertificatePath => Settings.CaCertificatePath;

    /// <summary>The origin's logins, every member in the host list (Npgsql multi-host): the origin finds the primary itself.</summary>
    public OriginLogins Origin { get; private set; } = null!;

    /// <summary>
    /// Starts <paramref name="size"/> members (the first bootstraps, the others clone it) and waits until one leads and
    /// another is its synchronous standby. Without <paramref name="etcdEndpoint"/> it runs a one-member etcd of its own.
    /// </summary>
    public static async Task<PatroniCluster> StartAsync(int size = 2, string? etcdEndpoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        var patroni = PatroniBinary.Find();
        var ownEtcd = etcdEndpoint is null ? await EtcdCluster.StartAsync(1, cancellationToken) : null;
        var folder = Directory.CreateTempSubdirectory("edgeimages-patroni-").FullName;
        using var authority = TestCertificateAuthority.Create("EdgeImages test PostgreSQL CA");
        var settings = new PatroniSettings(
            patroni,
            PostgresBinaries.Find(),
            ownEtcd?.Members[0].ClientUrl ?? etcdEndpoint!,
            $"/edgeimages-test-{Guid.NewGuid():N}/",
            authority.WriteCertificate(Path.Combine(folder, "ca.crt")),
            NewPassword(),
            NewPassword());
        var cluster = new PatroniCluster(folder, ownEtcd, settings);
        try
        {
            using var certificate = authority.IssueServer("postgres");
            using (var client = authority.IssueClient("patroni-test-client"))
            {
                cluster.RestClientCertificate = PemFiles.Write(client, folder, "rest-client");
                cluster.Rest = PinnedHttpClient.Create(authority.Certificate, cluster.RestClientCertificate);
            }

            cluster.Rest.Timeout = TimeSpan.FromSeconds(2);
            for (var i = 0; i < size; i++)
            {
                using var api = authority.IssueServerAndClient($"pg{i}-api");
                cluster._nodes.Add(new PatroniNode($"pg{i}", settings, certificate, api, cluster.Rest));
            }

            // The first bootstraps alone (two at once would race for the initialize key, which is fine, but on two
            // cores serial is as quick); the standbys then clone it at once.
            await cluster._nodes[0].StartAsync(cancellationToken);
            await cluster.WaitForLeaderAsync(cancellationToken: cancellationToken);
            await Task.WhenAll(cluster._nodes.Skip(1).Select(n => n.StartAsync(cancellationToken)));
            await cluster.WaitForSyncStandbyAsync(cancellationToken);
            cluster.Origin = await cluster.CreateOriginDatabaseAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string naming every member, for <paramref name="user"/> over TLS with the CA pinned.</summary>
    public string ConnectionStringFor(string database, string user, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = string.Join(',', _nodes.Select(n => $"{n.Host}:{n.Port.ToString(CultureInfo.InvariantCulture)}")),
        Username = user,
        Password = password,
        Database = database,
        Timeout = 3,
        SslMode = SslMode.VerifyFull,
        RootCertificate = CaCertificatePath,
    }.ConnectionString;

    /// <summary>The superuser on one member only (to look at a standby, or pause its replay).</summary>
    public string SuperuserConnectionString(PatroniNode node, string database = Database) => new NpgsqlConnectionStringBuilder
    {
        Host = node.Host,
        Port = node.Port,
        Username = SuperUser,
        Password = Settings.SuperuserPassword,
        Database = database,
        Timeout = 3,
        SslMode = SslMode.VerifyFull,
        RootCertificate = CaCertificatePath,
        Pooling = false,
    }.ConnectionString;

    /// <summary>The member that holds the leader key and runs as primary, waiting for one (an election under way).</summary>
    public async Task<PatroniNode> WaitForLeaderAsync(PatroniNode? not = null, CancellationToken cancellationToken = default)
    {
        PatroniNode? leader = null;
        await Eventually.WaitAsync(async () =>
        {
            foreach (var node in _nodes.Where(n => n != not && n.IsRunning))
            {
                if (await node.RoleAsync(cancellationToken) is "primary" or "master")
                {
                    leader = node;
                    return true;
                }
            }

            return false;
        }, WaitLimit, "a Patroni member to become primary", Poll);
        return leader!;
    }

    /// <summary>Waits until the leader has a synchronous standby that streams from it.</summary>
    public async Task WaitForSyncStandbyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await WaitForSyncStandbyCoreAsync(cancellationToken);
        }
        catch (TimeoutException timeout)
        {
            // What each member said is the only clue to why (a standby that cannot clone, a refused connection).
            throw new TimeoutException(timeout.Message + "\n" + string.Join("\n", _nodes.Select(n => $"--- {n.Name}:\n{n.Output}")), timeout);
        }
    }

    private Task WaitForSyncStandbyCoreAsync(CancellationToken cancellationToken) =>
        Eventually.WaitAsync(async () =>
        {
            foreach (var node in _nodes.Where(n => n.IsRunning))
            {
                if (await node.ClusterAsync(cancellationToken) is { } members)
                {
                    return members.Any(m => m.Role == "sync_standby" && m.State is "running" or "streaming");
                }
            }

            return false;
        }, WaitLimit, "a synchronous standby streaming from the leader", Poll);

    /// <summary>
    /// Patroni's maintenance mode (<c>pause</c> in the DCS config) on or off: no failover, and Patroni leaves the
    /// members alone, e.g. a standby whose replay a test paused (otherwise Patroni resumes it on its next loop).
    /// Returns once every running member has seen the change.
    /// </summary>
    public async Task SetMaintenanceAsync(bool on, CancellationToken cancellationToken = default)
    {
        var leader = await WaitForLeaderAsync(cancellationToken: cancellationToken);
        await leader.PatchConfigAsync(on ? """{"pause": true}""" : """{"pause": null}""", cancellationToken);
        await Eventually.WaitAsync(async () =>
        {
            foreach (var node in _nodes.Where(n => n.IsRunning))
            {
                if (await node.IsPausedAsync(cancellationToken) != on)
                {
                    return false;
                }
            }

            return true;
        }, WaitLimit, $"every member to see maintenance mode {(on ? "on" : "off")}", Poll);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.CrashAsync();
            await node.DisposeAsync();
        }

        if (_ownEtcd is not null)
        {
            await _ownEtcd.DisposeAsync();
        }

        Rest?.Dispose();

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<OriginLogins> CreateOriginDatabaseAsync(CancellationToken cancellationToken)
    {
        var leader = await WaitForLeaderAsync(cancellationToken: cancellationToken);
        string ownerPassword = NewPassword(), appPassword = NewPassword();
        await using (var connection = new NpgsqlConnection(SuperuserConnectionString(leader, "postgres")))
        {
            await connection.OpenAsync(cancellationToken);
            foreach (var statement in (string[])[
                $"CREATE ROLE origin_owner LOGIN PASSWORD '{ownerPassword}'",
                $"CREATE ROLE origin_app LOGIN PASSWORD '{appPassword}'",
                $"CREATE DATABASE {Database} OWNER origin_owner",
                $"REVOKE ALL ON DATABASE {Database} FROM PUBLIC",
                $"GRANT CONNECT ON DATABASE {Database} TO origin_app"])
            {
                await using var command = new NpgsqlCommand(statement, connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await using (var connection = new NpgsqlConnection(SuperuserConnectionString(leader)))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("REVOKE CREATE ON SCHEMA public FROM PUBLIC", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new OriginLogins(
            ConnectionStringFor(Database, "origin_app", appPassword),
            ConnectionStringFor(Database, "origin_owner", ownerPassword));
    }

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}

/// <summary>What every member shares: binaries, the DCS and its prefix, the CA and the two system passwords.</summary>
internal sealed record PatroniSettings(
    string Patroni,
    PostgresBinaries Postgres,
    string EtcdEndpoint,
    string Namespace,
    string CaCertificatePath,
    string SuperuserPassword,
    string ReplicationPassword);

/// <summary>One member: a Patroni process (as the <c>postgres</c> user when the tests run as root) and the PostgreSQL it runs as its child.</summary>
public sealed class PatroniNode : LoopbackServer
{
    private readonly HttpClient _rest;
    private readonly PatroniSettings _settings;
    private readonly PemFiles _certificate;
    private readonly PemFiles _apiCertificate;

    internal PatroniNode(
        string name,
        PatroniSettings settings,
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate,
        System.Security.Cryptography.X509Certificates.X509Certificate2 apiCertificate,
        HttpClient rest)
        : base("patroni")
    {
        Name = name;
        _settings = settings;
        _rest = rest;
        RestPort = FreePort.Next();
        _certificate = PemFiles.Write(certificate, Path.Combine(Folder, "tls"), "server");
        _apiCertificate = PemFiles.Write(apiCertificate, Path.Combine(Folder, "tls"), "api");
        File.Copy(settings.CaCertificatePath, Path.Combine(Folder, "tls", "ca.crt"));
    }

    public string Name { get; }

    /// <summary>Patroni's REST API (role, cluster, health): HTTPS on loopback, client certificates required.</summary>
    public int RestPort { get; }

    public bool IsRunning { get; private set; }

    private Uri RestUrl => new($"https://{Host}:{RestPort.ToString(CultureInfo.InvariantCulture)}/");

    private string ConfigPath => Path.Combine(Folder, "patroni.yml");

    /// <summary>This member's role as Patroni sees it (<c>primary</c>/<c>master</c>, <c>replica</c>), or null when it does not answer.</summary>
    public async Task<string?> RoleAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _rest.GetAsync(new Uri(RestUrl, "patroni"), cancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return body.TryGetProperty("role", out var role) ? role.GetString() : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    internal async Task PatchConfigAsync(string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _rest.PatchAsync(new Uri(RestUrl, "config"), content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    internal async Task<bool?> IsPausedAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _rest.GetAsync(new Uri(RestUrl, "patroni"), cancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return body.TryGetProperty("pause", out var pause) && pause.ValueKind == JsonValueKind.True;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The members as this one's Patroni lists them (from the DCS), or null when it does not answer.</summary>
    public async Task<IReadOnlyList<PatroniMember>?> ClusterAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _rest.GetAsync(new Uri(RestUrl, "cluster"), cancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return [.. body.GetProperty("members").EnumerateArray().Select(m => new PatroniMember(
                m.GetProperty("name").GetString()!,
                m.GetProperty("role").GetString()!,
                m.GetProperty("state").GetString()!))];
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// SIGKILL to Patroni and its PostgreSQL, as losing the machine would: nobody hands the leader key over. Patroni
    /// starts the postmaster in a session of its own (it outlives Patroni on purpose), so killing Patroni's process
    /// tree is not enough: Patroni is frozen first (it would restart a PostgreSQL it saw die), then the postmaster's
    /// whole process group is killed, then Patroni.
    /// </summary>
    public async Task CrashAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        IsRunning = false;
        Pause();
        if (PostmasterGroup() is { } group)
        {
            await ProcessHandle.RunAsync("kill", ["-STOP", "--", $"-{group}"]);
            await ProcessHandle.RunAsync("kill", ["-KILL", "--", $"-{group}"]);
        }

        await KillAsync();
    }

    /// <summary>The process group of this member's postmaster and its backends, or null when none runs.</summary>
    private int? PostmasterGroup()
    {
        try
        {
            var pid = File.ReadLines(Path.Combine(Folder, "data", "postmaster.pid")).First().Trim();
            // Guards against a reused PID: the process must be a postgres on this member's data.
            if (!File.ReadAllText($"/proc/{pid}/cmdline").Contains(Folder, StringComparison.Ordinal))
            {
                return null;
            }

            // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so count from the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Starts Patroni again on the same data: it rejoins as a standby of whoever leads now (pg_rewind if it must).</summary>
    public async Task RejoinAsync(CancellationToken cancellationToken = default)
    {
        await StartAgainAsync(cancellationToken);
        IsRunning = true;
    }

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(ConfigPath, Config(), cancellationToken);
        if (Environment.IsPrivilegedProcess)
        {
            await ProcessHandle.RunAsync("chown", ["-R", $"{PostgresServer.User}:{PostgresServer.User}", Folder], cancellationToken);
        }

        await LaunchAsync(cancellationToken);
        IsRunning = true;
    }

    /// <summary>
    /// HOME is the member's folder: libpq looks for a client certificate in <c>~/.postgresql/</c>, and the test
    /// runner's home (root's) is one the <c>postgres</c> user may not even look into.
    /// </summary>
    protected override ProcessHandle StartProcess() => Environment.IsPrivilegedProcess
        ? ProcessHandle.Start("setpriv", ["--reuid", PostgresServer.User, "--regid", PostgresServer.User, "--init-groups", "--", "/usr/bin/env", $"HOME={Folder}", _settings.Patroni, ConfigPath], Folder)
        : ProcessHandle.Start("/usr/bin/env", [$"HOME={Folder}", _settings.Patroni, ConfigPath], Folder);

    /// <summary>Ready when Patroni's REST API answers at all: a standby is still cloning for a while after that.</summary>
    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var response = await _rest.GetAsync(new Uri(RestUrl, "patroni"), cancellationToken);
        return (int)response.StatusCode is >= 200 and < 600;
    }

    private string Config()
    {
        var etcd = new Uri(_settings.EtcdEndpoint);
        string ca = Path.Combine(Folder, "tls", "ca.crt"), data = Path.Combine(Folder, "data");
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var rest = RestPort.ToString(CultureInfo.InvariantCulture);
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $$"""
            scope: {{PatroniCluster.Scope}}
            namespace: {{_settings.Namespace}}
            name: {{Name}}
            log: {level: INFO}
            restapi:
              listen: '127.0.0.1:{{rest}}'
              connect_address: '127.0.0.1:{{rest}}'
              certfile: '{{_apiCertificate.CertificatePath}}'
              keyfile: '{{_apiCertificate.KeyPath}}'
              cafile: '{{ca}}'
              verify_client: required
            etcd3: {hosts: '{{etcd.Host}}:{{etcd.Port}}', protocol: {{etcd.Scheme}}}
            bootstrap:
              dcs:
                ttl: 6
                loop_wait: 1
                retry_timeout: 2
                maximum_lag_on_failover: 1048576
                synchronous_mode: true
                synchronous_mode_strict: false
                postgresql:
                  use_pg_rewind: true
                  parameters:
                    wal_level: replica
                    hot_standby: 'on'
                    wal_log_hints: 'on'
                    max_wal_senders: 10
                    max_replication_slots: 10
                    max_connections: 200
                    synchronous_commit: 'on'
              initdb: [{encoding: UTF8}, no-locale, {auth: scram-sha-256}]
            postgresql:
              listen: '127.0.0.1:{{port}}'
              connect_address: '127.0.0.1:{{port}}'
              data_dir: '{{data}}'
              bin_dir: '{{Path.GetDirectoryName(_settings.Postgres.Postgres)}}'
              pgpass: '{{Path.Combine(Folder, "pgpass")}}'
              basebackup: [{checkpoint: fast}]
              authentication:
                superuser: {username: {{PatroniCluster.SuperUser}}, password: '{{_settings.SuperuserPassword}}', sslmode: verify-full, sslrootcert: '{{ca}}'}
                replication: {username: {{PatroniCluster.ReplicationUser}}, password: '{{_settings.ReplicationPassword}}', sslmode: verify-full, sslrootcert: '{{ca}}'}
                rewind: {username: {{PatroniCluster.SuperUser}}, password: '{{_settings.SuperuserPassword}}', sslmode: verify-full, sslrootcert: '{{ca}}'}
              parameters:
                unix_socket_directories: '{{Folder}}'
                ssl: 'on'
                ssl_cert_file: '{{_certificate.CertificatePath}}'
                ssl_key_file: '{{_certificate.KeyPath}}'
                ssl_min_protocol_version: TLSv1.2
                password_encryption: scram-sha-256
                fsync: 'off'
                shared_buffers: 32MB
              pg_hba:
                - hostssl all all 127.0.0.1/32 scram-sha-256
                - hostssl replication {{PatroniCluster.ReplicationUser}} 127.0.0.1/32 scram-sha-256

            """);
        return yaml.ToString();
    }
}

/// <summary>One line of Patroni's <c>/cluster</c>.</summary>
public sealed record PatroniMember(string Name, string Role, string State);

/// <summary>Where Patroni is: <c>$PATRONI</c>, else the Debian package's <c>/usr/bin/patroni</c>.</summary>
internal static class PatroniBinary
{
    public static string Find()
    {
        var path = Environment.GetEnvironmentVariable("PATRONI") is { Length: > 0 } configured ? configured : "/usr/bin/patroni";
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: run ./test.sh, which installs the Debian package patroni.");
    }
}
