using System.Globalization;
using Npgsql;

namespace EdgeImages.Testing;

/// <summary>
/// A real PostgreSQL (the Debian package's binaries) on a free port of 127.0.0.1, its cluster in a temp folder.
/// PostgreSQL refuses to run as root, so when the tests run as root the server runs as the <c>postgres</c> user
/// (<c>setpriv</c>) in a folder owned by it. The cluster is made by <c>initdb</c> once (kept in the temp folder as a template) and copied
/// for each server, which costs a tenth of a second instead of one and a half.
/// Durability is traded for speed (<c>fsync=off</c>): a killed server still recovers from its WAL, only a
/// machine crash could lose data, and these clusters do not survive the test run anyway.
/// </summary>
public sealed class PostgresServer : LoopbackServer
{
    public const string User = "postgres";
    private const string DefaultDatabase = "test";

    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _template;

    private readonly PostgresBinaries _binaries;

    private PostgresServer(PostgresBinaries binaries)
        : base("postgres") => _binaries = binaries;

    public string DataDirectory => Path.Combine(Folder, "data");

    private string SocketDirectory => Path.Combine(Folder, "sockets");

    /// <summary>The connection string of the database <c>test</c>, created at start.</summary>
    public string ConnectionString => ConnectionStringFor(DefaultDatabase);

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var binaries = PostgresBinaries.Find();
        var template = await TemplateAsync(binaries, cancellationToken);
        var server = new PostgresServer(binaries);
        try
        {
            Directory.CreateDirectory(server.SocketDirectory);
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

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = User,
        Database = database,
        Timeout = 5,
    }.ConnectionString;

    /// <summary>Creates an empty database and returns its connection string (for tests that need a schema of their own).</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException("A database name here is [a-z0-9_].", nameof(name));
        }

        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionStringFor(name);
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
        ];
        return AsPostgres(_binaries.Postgres, arguments);
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false;Timeout=2");
        await connection.OpenAsync(cancellationToken);
        return true;
    }

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

    private static async Task GiveToPostgresAsync(string folder, CancellationToken cancellationToken)
    {
        if (Environment.IsPrivilegedProcess)
        {
            await ProcessHandle.RunAsync("chown", ["-R", $"{User}:{User}", folder], cancellationToken);
        }
    }

    private static async Task<string> TemplateAsync(PostgresBinaries binaries, CancellationToken cancellationToken)
    {
        await TemplateLock.WaitAsync(cancellationToken);
        try
        {
            if (_template is not null)
            {
                return _template;
            }

            // Kept between runs under a name of the binaries' version: a cache, not a leak. Made beside its final
            // name and renamed into place, so that test processes running at once never see half a cluster.
            var version = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(binaries.InitDb))) ?? "pg";
            var data = Path.Combine(Path.GetTempPath(), $"edgeimages-postgres-template-{version}", "data");
            if (File.Exists(Path.Combine(data, "PG_VERSION")))
            {
                return _template = data;
            }

            var folder = Directory.CreateTempSubdirectory("edgeimages-postgres-initdb-").FullName;
            var fresh = Path.Combine(folder, "data");
            await GiveToPostgresAsync(folder, cancellationToken);
            await using (var initdb = AsPostgres(binaries.InitDb, ["-D", fresh, "-U", User, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]))
            {
                await initdb.WaitForExitAsync(cancellationToken);
                if (!File.Exists(Path.Combine(fresh, "PG_VERSION")))
                {
                    throw new InvalidOperationException($"initdb failed:\n{initdb.Output}");
                }
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(data)!);
                Directory.Move(fresh, data);
            }
            catch (IOException) when (File.Exists(Path.Combine(data, "PG_VERSION")))
            {
                // Another test process won the race; its template is as good.
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }

            return _template = data;
        }
        finally
        {
            TemplateLock.Release();
        }
    }
}

/// <summary>Where <c>initdb</c> and <c>postgres</c> are: <c>$POSTGRES_BIN</c>, else the newest Debian cluster version, else PATH.</summary>
internal sealed record PostgresBinaries(string InitDb, string Postgres)
{
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
