using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>The store of record, from configuration section <c>Origin:Database</c>.</summary>
internal sealed class DatabaseOptions
{
    public const string SectionName = "Origin:Database";

    /// <summary>
    /// <c>Origin:Database:ConnectionString</c>, required: the application role (DML on the origin's tables, nothing
    /// else) and every member of the cluster as Npgsql multi-host (<c>Host=a:5432,b:5432</c>). Writes and unversioned
    /// reads go to whichever host is the primary (read-your-writes); pinned reads may use a standby. Any
    /// <c>Target Session Attributes</c> given here is ignored: the origin chooses it per query.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// <c>Origin:Database:MigrationConnectionString</c>: the schema owner, used only to migrate at start-up and to grant
    /// the application role its privileges; unset, the application role migrates (a development database with one
    /// all-powerful user).
    /// </summary>
    public string? MigrationConnectionString { get; set; }

    /// <summary>
    /// How long a host's role (primary, standby, down) is believed before Npgsql asks again. Short, because after a
    /// failover a host remembered as "standby" is skipped for writes until then: this bounds how long writes wait
    /// for a promoted standby beyond Patroni's own failover.
    /// </summary>
    public TimeSpan HostRecheck { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long opening a connection may take. Small on purpose: a database that does not answer should turn into
    /// a quick 503 that the edge can fall back on, not a request that hangs for Npgsql's default 15 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one command may run. Every query here is a key lookup or a single-row write; 5 s is already pathological.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections per node. A GET holds one while it streams the bytes, so this bounds concurrent downloads too.</summary>
    public int MaxPoolSize { get; set; } = 100;

    /// <summary>What a 503 tells clients in <c>Retry-After</c>.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The connection string with this section's timeouts and pool size applied over whatever it says.</summary>
    public string EffectiveConnectionString() => Effective(ConnectionString);

    /// <summary>The migration connection string, with the same settings applied; the application's when none is configured.</summary>
    public string EffectiveMigrationConnectionString() => Effective(string.IsNullOrWhiteSpace(MigrationConnectionString) ? ConnectionString : MigrationConnectionString);

    /// <summary>The application role's name, to which the migration grants its privileges.</summary>
    public string? ApplicationRole => new NpgsqlConnectionStringBuilder(ConnectionString).Username;

    private string Effective(string? connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Timeout = (int)ConnectTimeout.TotalSeconds,
            CommandTimeout = (int)CommandTimeout.TotalSeconds,
            MaxPoolSize = MaxPoolSize,
            // A timed-out command is not followed by a cancellation round trip: against a paused server it would
            // hang for as long again. The broken connection is discarded instead.
            CancellationTimeout = -1,
            HostRecheckSeconds = (int)HostRecheck.TotalSeconds,
            // The origin asks for a primary or a standby per query (OriginDatabase); a fixed one here would override that.
            TargetSessionAttributes = null,
        };
        return builder.ConnectionString;
    }
}

/// <summary>Refuses to start without a usable database configuration, naming every offending key.</summary>
internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("Origin:Database:ConnectionString is required (the PostgreSQL cluster, e.g. Host=db1,db2;Username=origin_app;Password=...;Database=origin).");
        }
        else
        {
            CheckConnectionString(errors, "Origin:Database:ConnectionString", options.ConnectionString);
        }

        if (!string.IsNullOrWhiteSpace(options.MigrationConnectionString))
        {
            CheckConnectionString(errors, "Origin:Database:MigrationConnectionString", options.MigrationConnectionString);
        }

        CheckWholeSeconds(errors, "Origin:Database:HostRecheck", options.HostRecheck, 1, 60);

        CheckWholeSeconds(errors, "Origin:Database:ConnectTimeout", options.ConnectTimeout, 1, 60);
        CheckWholeSeconds(errors, "Origin:Database:CommandTimeout", options.CommandTimeout, 1, 300);
        if (options.MaxPoolSize is < 1 or > 1000)
        {
            errors.Add("Origin:Database:MaxPoolSize must be 1 to 1000.");
        }

        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromMinutes(10))
        {
            errors.Add("Origin:Database:RetryAfter must be 1 s to 10 min.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckConnectionString(List<string> errors, string key, string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException exception)
        {
            errors.Add($"{key} is not a valid Npgsql connection string: {exception.Message}");
        }
    }

    private static void CheckWholeSeconds(List<string> errors, string key, TimeSpan value, int min, int max)
    {
        // Npgsql counts these timeouts in whole seconds.
        if (value.Ticks % TimeSpan.TicksPerSecond != 0 || value.TotalSeconds < min || value.TotalSeconds > max)
        {
            errors.Add($"{key} must be a whole number of seconds from {min} to {max} (e.g. 00:00:02).");
        }
    }
}
