using System.Globalization;
using System.Security.Cryptography;
using EdgeImages.Testing.Tls;
using Npgsql;

namespace EdgeImages.Testing;

/// <summary>
/// A real PostgreSQL (the Debian package's binaries) on a free port of 127.0.0.1, its cluster in a temp folder.
/// PostgreSQL refuses to run as root, so when the tests run as root the server runs as the <c>postgres</c> user
/// (<c>setpriv</c>) in a folder owned by it. The cluster is made by <c>initdb</c> once (kept in the temp folder as a template) and copied
/// for each server, which costs a tenth of a second instead of one and a half.
/// Durability is traded for speed (<c>fsync=off</c>): a killed server still recovers from its WAL, only a
/// machine crash could lose data, and these clusters do not survive the test run anyway.
/// It is configured as production is (issue 13): TLS only, with a server certificate from a CA of its own that every
/// client pins (<c>SslMode=VerifyFull</c>); SCRAM-SHA-256 passwords only, no <c>trust</c>, no plain <c>host</c>
/// line and no Unix-socket line in <c>pg_hba.conf</c>; and the origin's database reached by a schema owner and an
/// application role that may only read and write rows (<see cref="CreateOriginDatabaseAsync"/>).
/// </summary>
public sealed class PostgresServer : LoopbackServer
{
    public const string User = "postgres";
    private const string DefaultDatabase = "test";

    /// <summary>
    /// Every line of the servers' <c>pg_hba.conf</c>: TLS and SCRAM, for queries and for replication. A connection
    /// without TLS matches nothing and is refused, whoever asks.
    /// </summary>
    public const string HostBasedAuthentication = """
        # Written by the test fixture: TLS and SCRAM-SHA-256 only. No trust, no plain host line, no Unix socket.
        hostssl all         all 127.0.0.1/32 scram-sha-256
        hostssl replication all 127.0.0.1/32 scram-sha-256

        """;

    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static (string Data, string Password)? _template;

    private readonly PostgresBinaries _binaries;
    private readonly bool _archiving;
    private readonly Recovery? _recovery;
    private int _backups;

    private PostgresServer(PostgresBinaries binaries, string superuserPassword, bool archiving = false, Recovery? recovery = null)
        : base("postgres")
    {
        _binaries = binaries;
        _archiving = archiving;
        _recovery = recovery;
        SuperuserPassword = superuserPassword;
        using var authority = TestCertificateAuthority.Create("EdgeImages test PostgreSQL CA");
        CaCertificatePath = authority.WriteCertificate(Path.Combine(TlsDirectory, "ca.crt"));
        using var certificate = authority.IssueServer("postgres");
        ServerCertificate = PemFiles.Write(certificate, TlsDirectory, "server");
    }

    public string DataDirectory => Path.Combine(Folder, "data");

    /// <summary>The CA that issued the server's certificate, as PEM: what clients pin.</summary>
    public string CaCertificatePath { get; }

    /// <summary>The server's certificate and key (the key mode 0600, owned by the server's user).</summary>
    public PemFiles ServerCertificate { get; }

    /// <summary>The superuser's password (SCRAM), for tests that administer the server.</summary>
    public string SuperuserPassword { get; }

    private string SocketDirectory => Path.Combine(Folder, "sockets");

    /// <summary>
    /// Where a server started by <see cref="StartWithWalArchiveAsync"/> copies each WAL segment once it is complete
    /// (<c>archive_command</c>): with a base backup, what <see cref="RestoreAsync"/> replays to a chosen moment.
    /// </summary>
    public string WalArchiveDirectory => Path.Combine(Folder, "wal-archive");

    private string PasswordFile => Path.Combine(Folder, "pgpass");

    private string TlsDirectory => Path.Combine(Folder, "tls");

    /// <summary>The superuser's connection string to the database <c>test</c>, created at start.</summary>
    public string ConnectionString => ConnectionStringFor(DefaultDatabase);

    public static Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(archiving: false, cancellationToken);

    /// <summary>
    /// A server that archives its WAL (<c>archive_mode=on</c>) into <see cref="WalArchiveDirectory"/>, for the
    /// backup and point-in-time recovery tests: <see cref="BaseBackupAsync"/>, <see cref="SwitchWalAsync"/>,
    /// <see cref="RestoreAsync"/>.
    /// </summary>
    public static Task<PostgresServer> StartWithWalArchiveAsync(CancellationToken cancellationToken = default) =>
        StartAsync(archiving: true, cancellationToken);

    private static async Task<PostgresServer> StartAsync(bool archiving, CancellationToken cancellationToken)
    {
        var binaries = PostgresBinaries.Find();
        var (template, password) = await TemplateAsync(binaries, cancellationToken);
        var server = new PostgresServer(binaries, password, archiving);
        try
        {
            Directory.CreateDirectory(server.SocketDirectory);
            Directory.CreateDirectory(server.WalArchiveDirectory);
            await ProcessHandle.RunAsync("cp", ["-a", template, server.DataDirectory], cancellationToken);
            await GiveToPostgresAsync(server.Folder, cancellationToken);
            await server.LaunchAsync(cancellationToken);
            await server.CreateDatabaseAsync(DefaultDatabase, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A base backup of the whole cluster as <c>pg_basebackup</c> takes one over the replication protocol (TLS and
    /// SCRAM, as the superuser, whose password travels in a 0600 passfile, never on a command line), in plain format
    /// with the WAL it needs streamed alongside: a folder that is a data directory. Returns that folder.
    /// </summary>
    public async Task<string> BaseBackupAsync(CancellationToken cancellationToken = default)
    {
        var target = Path.Combine(Folder, $"base-{Interlocked.Increment(ref _backups).ToString(CultureInfo.InvariantCulture)}");
        await WritePasswordFileAsync(cancellationToken);
        var conninfo = $"host={Host} port={Port.ToString(CultureInfo.InvariantCulture)} user={User} sslmode=verify-full sslrootcert={CaCertificatePath} passfile={PasswordFile}";
        // HOME is the server's folder: libpq looks for a client certificate under ~/.postgresql/, and root's home is
        // one the postgres user may not look into.
        await RunAsPostgresAsync("/usr/bin/env",
            [$"HOME={Folder}", _binaries.Tool("pg_basebackup"), "-d", conninfo, "-D", target, "-Fp", "-Xstream", "-c", "fast", "--no-sync"],
            cancellationToken);
        return target;
    }

    /// <summary>
    /// Closes the current WAL segment (<c>pg_switch_wal</c>) and waits until the archiver has copied it: everything
    /// committed before the call is then in <see cref="WalArchiveDirectory"/>. Without it, the last commits sit in
    /// a segment that is archived only when it fills (or at <c>archive_timeout</c>): that segment is the recovery
    /// point a crash of this machine would lose.
    /// </summary>
    public async Task SwitchWalAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        string closed;
        await using (var command = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection))
        {
            closed = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        await Eventually.WaitAsync(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", connection);
            var archived = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
            // Segment names are fixed-width hexadecimal (timeline, then position): their order is the WAL's.
            return string.CompareOrdinal(archived, closed) >= 0;
        }, TimeSpan.FromSeconds(30), $"WAL segment {closed} to be archived");
    }

    /// <summary>
    /// Point-in-time recovery into a new, temporary server on a port of its own: a copy of
    /// <paramref name="baseBackup"/> replays this server's archived WAL up to <paramref name="target"/>
    /// (<c>recovery_target_time</c>: transactions that committed after it are not applied) and is then promoted, so
    /// it answers as an ordinary server. It has a certificate from a CA of its own, the superuser's password of the
    /// cluster it is a copy of, and no archiving (it must never write into the archive it reads). This server is
    /// left alone.
    /// </summary>
    public async Task<PostgresServer> RestoreAsync(string baseBackup, DateTimeOffset target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseBackup);
        var restored = new PostgresServer(_binaries, SuperuserPassword, recovery: new Recovery(WalArchiveDirectory, target));
        try
        {
            Directory.CreateDirectory(restored.SocketDirectory);
            await ProcessHandle.RunAsync("cp", ["-a", baseBackup, restored.DataDirectory], cancellationToken);
            // recovery.signal: replay from restore_command until the target, then (recovery_target_action) promote.
            await File.WriteAllTextAsync(Path.Combine(restored.DataDirectory, "recovery.signal"), "", cancellationToken);
            await GiveToPostgresAsync(restored.Folder, cancellationToken);
            await restored.LaunchAsync(cancellationToken);
            return restored;
        }
        catch
        {
            await restored.DisposeAsync();
            throw;
        }
    }

    /// <summary>The superuser's connection string to <paramref name="database"/>, over TLS with the server's CA pinned.</summary>
    public string ConnectionStringFor(string database) => ConnectionStringFor(database, User, SuperuserPassword);

    /// <summary>A connection string for <paramref name="user"/>, over TLS, verifying the server's name against the pinned CA.</summary>
    public string ConnectionStringFor(string database, string user, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = user,
        Password = password,
        Database = database,
        Timeout = 5,
        SslMode = SslMode.VerifyFull,
        RootCertificate = CaCertificatePath,
    }.ConnectionString;

    /// <summary>
    /// A database for the origin as a deployment makes it: owned by <c>{name}_owner</c> (who migrates), reached by
    /// <c>{name}_app</c>, who may connect and nothing more until the migration grants it its rows; nobody else may
    /// connect, and nobody may make temporary tables there. Each role gets a random password.
    /// </summary>
    public async Task<OriginLogins> CreateOriginDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        string owner = name + "_owner", app = name + "_app";
        string ownerPassword = NewPassword(), appPassword = NewPassword();
        await ExecuteAsync(ConnectionStringFor("postgres"), cancellationToken,
            $"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{ownerPassword}'",
            $"CREATE ROLE \"{app}\" LOGIN PASSWORD '{appPassword}'",
            $"CREATE DATABASE \"{name}\" OWNER \"{owner}\"",
            $"REVOKE ALL ON DATABASE \"{name}\" FROM PUBLIC",
            $"GRANT CONNECT ON DATABASE \"{name}\" TO \"{app}\"");
        // The public schema belongs to the database's owner (PostgreSQL 15); others may use it but not create in it.
        await ExecuteAsync(ConnectionStringFor(name), cancellationToken, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        return new OriginLogins(ConnectionStringFor(name, app, appPassword), ConnectionStringFor(name, owner, ownerPassword));
    }

    /// <summary>Creates an empty database and returns its connection string (for tests that need a schema of their own).</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        await ExecuteAsync(ConnectionStringFor("postgres"), cancellationToken, $"CREATE DATABASE \"{name}\"");
        return ConnectionStringFor(name);
    }

    private static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException("A database name here is [a-z0-9_].", nameof(name));
        }
    }

    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static async Task ExecuteAsync(string connectionString, CancellationToken cancellationToken, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    protected override ProcessHandle StartProcess()
    {
        string[] arguments =
        [
            "-D", DataDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "full_page_writes=off",
            "-c", "synchronous_commit=on",
            "-c", "max_connections=300",
            "-c", "shared_buffers=32MB",
            "-c", "logging_collector=off",
            "-c", "ssl=on",
            "-c", $"ssl_cert_file={ServerCertificate.CertificatePath}",
            "-c", $"ssl_key_file={ServerCertificate.KeyPath}",
            "-c", "ssl_min_protocol_version=TLSv1.2",
            "-c", "password_encryption=scram-sha-256",
        ];
        if (_archiving)
        {
            // Each completed segment copied into the archive; an existing name is never overwritten (a second
            // cluster archiving into the same folder by mistake fails loudly instead of corrupting the archive).
            arguments = [.. arguments, "-c", "archive_mode=on", "-c", $"archive_command=test ! -f '{WalArchiveDirectory}/%f' && cp '%p' '{WalArchiveDirectory}/%f'"];
        }

        if (_recovery is { } recovery)
        {
            arguments =
            [
                .. arguments,
                "-c", "archive_mode=off",
                "-c", $"restore_command=cp '{recovery.Archive}/%f' '%p'",
                "-c", $"recovery_target_time={recovery.Target.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}+00",
                "-c", "recovery_target_action=promote",
            ];
        }

        return AsPostgres(_binaries.Postgres, arguments);
    }

    /// <summary>Ready when a connection succeeds; a server in recovery only once it has reached its target and been promoted.</summary>
    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false;Timeout=2");
        await connection.OpenAsync(cancellationToken);
        if (_recovery is null)
        {
            return true;
        }

        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return !(bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task WritePasswordFileAsync(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(PasswordFile, "", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(PasswordFile, $"*:*:*:{User}:{SuperuserPassword}\n", cancellationToken);
        await GiveToPostgresAsync(PasswordFile, cancellationToken);
    }

    private static async Task RunAsPostgresAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        await using var process = AsPostgres(program, arguments);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{process.Output}");
        }
    }

    /// <summary>Where a restored copy takes its WAL from, and the moment it stops before.</summary>
    private sealed record Recovery(string Archive, DateTimeOffset Target);

    /// <summary>SIGQUIT is PostgreSQL's immediate shutdown: the postmaster kills and reaps its backends, then exits.</summary>
    protected override int StopSignal => ProcessHandle.SigQuit;

    /// <summary>
    /// As root, through <c>setpriv</c>, which changes user and then execs (where <c>runuser</c> forks and waits):
    /// the postmaster is then this process's own child, reaped as soon as it dies. Under <c>runuser</c> a killed
    /// postmaster could stay a zombie (in a container whose PID 1 does not reap), and a restart on the same data
    /// would take the zombie's PID in postmaster.pid for a live postmaster and refuse to start.
    /// </summary>
    private static ProcessHandle AsPostgres(string program, IReadOnlyList<string> arguments) =>
        Environment.IsPrivilegedProcess
            ? ProcessHandle.Start("setpriv", ["--reuid", User, "--regid", User, "--init-groups", "--", program, .. arguments])
            : ProcessHandle.Start(program, arguments);

    private static (string Data, string Password)? ReadTemplate(string home)
    {
        string data = Path.Combine(home, "data"), passwordFile = Path.Combine(home, "superuser.password");
        return File.Exists(Path.Combine(data, "PG_VERSION")) && File.Exists(passwordFile)
            ? (data, File.ReadAllText(passwordFile).Trim())
            : null;
    }

    private static async Task GiveToPostgresAsync(string folder, CancellationToken cancellationToken)
    {
        if (Environment.IsPrivilegedProcess)
        {
            await ProcessHandle.RunAsync("chown", ["-R", $"{User}:{User}", folder], cancellationToken);
        }
    }

    /// <summary>
    /// The template cluster and its superuser's password. Kept between runs under a name of the binaries' version:
    /// a cache, not a leak. Made beside its final name and renamed into place with its password file, so that test
    /// processes running at once never see half a cluster, and a cluster never without its password.
    /// </summary>
    private static async Task<(string Data, string Password)> TemplateAsync(PostgresBinaries binaries, CancellationToken cancellationToken)
    {
        await TemplateLock.WaitAsync(cancellationToken);
        try
        {
            if (_template is { } known)
            {
                return known;
            }

            var version = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(binaries.InitDb))) ?? "pg";
            var home = Path.Combine(Path.GetTempPath(), $"edgeimages-postgres-template-{version}-scram");
            if (ReadTemplate(home) is { } cached)
            {
                return (_template = cached).Value;
            }

            var folder = Directory.CreateTempSubdirectory("edgeimages-postgres-initdb-").FullName;
            var fresh = Path.Combine(folder, "template");
            Directory.CreateDirectory(fresh);
            var password = NewPassword();
            var passwordFile = Path.Combine(fresh, "superuser.password");
            await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
            await GiveToPostgresAsync(folder, cancellationToken);
            var data = Path.Combine(fresh, "data");
            await using (var initdb = AsPostgres(binaries.InitDb,
                ["-D", data, "-U", User, "--pwfile", passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"]))
            {
                await initdb.WaitForExitAsync(cancellationToken);
                if (!File.Exists(Path.Combine(data, "PG_VERSION")))
                {
                    throw new InvalidOperationException($"initdb failed:\n{initdb.Output}");
                }
            }

            await File.WriteAllTextAsync(Path.Combine(data, "pg_hba.conf"), HostBasedAuthentication, cancellationToken);
            await GiveToPostgresAsync(folder, cancellationToken);
            try
            {
                Directory.Move(fresh, home);
            }
            catch (IOException) when (ReadTemplate(home) is not null)
            {
                // Another test process won the race; its template is as good.
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }

            return (_template = ReadTemplate(home) ?? throw new InvalidOperationException($"The template at {home} is incomplete.")).Value;
        }
        finally
        {
            TemplateLock.Release();
        }
    }
}

/// <summary>
/// The two logins of an origin's database: the application role (<see cref="ConnectionString"/>) and the schema
/// owner that migrates (<see cref="MigrationConnectionString"/>), as <c>Origin:Database:*</c> settings.
/// </summary>
public sealed record OriginLogins(string ConnectionString, string MigrationConnectionString)
{
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Origin:Database:ConnectionString"] = ConnectionString,
        ["Origin:Database:MigrationConnectionString"] = MigrationConnectionString,
    };
}

/// <summary>Where <c>initdb</c> and <c>postgres</c> are: <c>$POSTGRES_BIN</c>, else the newest Debian cluster version, else PATH.</summary>
internal sealed record PostgresBinaries(string InitDb, string Postgres)
{
    /// <summary>Another program of the same installation (<c>pg_basebackup</c>, <c>psql</c>).</summary>
    public string Tool(string name) => Path.Combine(Path.GetDirectoryName(Postgres)!, name);

    public static PostgresBinaries Find()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("POSTGRES_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        foreach (var folder in candidates)
        {
            string initdb = Path.Combine(folder, "initdb"), postgres = Path.Combine(folder, "postgres");
            if (File.Exists(initdb) && File.Exists(postgres))
            {
                return new PostgresBinaries(initdb, postgres);
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL's initdb and postgres were not found (looked in $POSTGRES_BIN, /usr/lib/postgresql/*/bin and PATH). " +
            "Run ./test.sh, which installs the Debian package postgresql, or install it yourself.");
    }
}
